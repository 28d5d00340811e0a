// Placeholder translation unit until this module's first real code lands; delete it then.
namespace rk::backup {
int backup_module_version() { return 1; }
}  // namespace rk::backup
