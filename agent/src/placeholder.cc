// Placeholder translation unit until this module's first real code lands; delete it then.
namespace rk::agent {
int agent_module_version() { return 1; }
}  // namespace rk::agent
