// Placeholder translation unit until the storage node lands (keeps rk_storage a real library).
namespace rk::storage {
int storage_module_version() { return 1; }
}  // namespace rk::storage
