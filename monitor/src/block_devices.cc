// mountinfo parsing and the sysfs walk from a mounted device to its disks.
#include "ringkeeper/monitor/block_devices.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "proc_text.h"

namespace rk::monitor {

namespace fs = std::filesystem;

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  const auto is_oct = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && is_oct(s[i + 1]) && is_oct(s[i + 2]) &&
        is_oct(s[i + 3])) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

bool parse_dev(std::string_view s, unsigned* major, unsigned* minor) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  auto a = std::from_chars(s.data(), s.data() + colon, *major);
  auto b = std::from_chars(s.data() + colon + 1, s.data() + s.size(), *minor);
  return a.ec == std::errc() && a.ptr == s.data() + colon && b.ec == std::errc() &&
         b.ptr == s.data() + s.size();
}

void add_unique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

// Walks down from the sysfs directory of one block device.
Status walk(const fs::path& dir, BlockDevices* out, int depth) {
  if (depth > 16) return Status::Internal("block device stack deeper than 16 levels");
  std::error_code ec;
  if (fs::exists(dir / "partition", ec)) return walk(dir.parent_path(), out, depth + 1);
  const std::string name = dir.filename().string();
  std::vector<fs::path> slaves;
  if (fs::is_directory(dir / "slaves", ec)) {
    for (const auto& e : fs::directory_iterator(dir / "slaves", ec)) {
      std::error_code ec2;
      fs::path target = fs::canonical(e.path(), ec2);
      if (!ec2) slaves.push_back(target);
    }
  }
  if (slaves.empty()) {
    add_unique(&out->disks, name);
    return Status::OK();
  }
  add_unique(&out->stacked, name);
  std::sort(slaves.begin(), slaves.end());
  for (const auto& s : slaves) RK_RETURN_IF_ERROR(walk(s, out, depth + 1));
  return Status::OK();
}

}  // namespace

std::vector<std::string> BlockDevices::watched() const {
  std::vector<std::string> out;
  for (const auto& s : stacked) add_unique(&out, s);
  for (const auto& d : disks) add_unique(&out, d);
  return out;
}

Result<std::vector<MountEntry>> parse_mountinfo(std::string_view text) {
  std::vector<MountEntry> out;
  Status st = for_each_line(text, [&](size_t line_no, std::string_view line) -> Status {
    const auto f = split_fields(line);
    if (f.empty()) return Status::OK();
    // id parent MAJ:MIN root mount-point options [optional fields...] - fstype source superopts
    const auto sep = std::find(f.begin() + std::min<size_t>(f.size(), 6), f.end(), "-");
    MountEntry m;
    if (f.size() < 10 || sep == f.end() || f.end() - sep < 3 ||
        !parse_dev(f[2], &m.major, &m.minor)) {
      return Status::Corruption(fmt::format("mountinfo line {} is malformed: '{}'", line_no, line));
    }
    m.root = unescape(f[3]);
    m.mount_point = unescape(f[4]);
    m.fs_type = unescape(*(sep + 1));
    m.source = unescape(*(sep + 2));
    out.push_back(std::move(m));
    return Status::OK();
  });
  if (!st.ok()) return st;
  return out;
}

Result<MountEntry> find_mount(const std::string& path, const std::vector<MountEntry>& mounts) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound(fmt::format("cannot stat {}", path));
  }
  const unsigned maj = major(st.st_dev), min = minor(st.st_dev);
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    if (it->major == maj && it->minor == min) return *it;
  }
  std::error_code ec;
  const std::string canon = fs::canonical(path, ec).string();
  if (ec) return Status::NotFound(fmt::format("cannot resolve {}: {}", path, ec.message()));
  const MountEntry* best = nullptr;
  for (const auto& m : mounts) {
    const std::string& mp = m.mount_point;
    const bool prefix = mp == "/" || canon == mp ||
                        (canon.size() > mp.size() && canon.compare(0, mp.size(), mp) == 0 &&
                         canon[mp.size()] == '/');
    if (prefix && (best == nullptr || mp.size() >= best->mount_point.size())) best = &m;
  }
  if (best == nullptr) return Status::NotFound(fmt::format("no mount holds {}", path));
  return *best;
}

Result<BlockDevices> resolve_block_devices(unsigned major, unsigned minor,
                                           const std::string& sys_root) {
  const fs::path link = fs::path(sys_root) / "dev" / "block" / fmt::format("{}:{}", major, minor);
  std::error_code ec;
  const fs::path dir = fs::canonical(link, ec);
  if (ec) {
    return Status::NotFound(fmt::format("no block device {}:{} in {}", major, minor, sys_root));
  }
  BlockDevices out;
  out.device = dir.filename().string();
  RK_RETURN_IF_ERROR(walk(dir, &out, 0));
  return out;
}

Result<BlockDevices> block_devices_under(const std::string& path, const std::string& mountinfo_path,
                                         const std::string& sys_root) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound(fmt::format("cannot stat {}", path));
  // The mount table names the file system, which makes a failure readable ("tmpfs on /tmp").
  // Inside a chroot or a container it may list no mount at all for the path (mounts outside the
  // process's root are hidden), so the file's own device number is the fallback: it is what
  // /sys/dev/block is keyed by anyway.
  Result<MountEntry> mount = Status::NotFound("no mount table");
  if (auto text = read_text_file(mountinfo_path); text.ok()) {
    RK_ASSIGN_OR_RETURN(auto mounts, parse_mountinfo(*text));
    mount = find_mount(path, mounts);
  }
  const unsigned maj = mount.ok() ? mount->major : major(st.st_dev);
  const unsigned min = mount.ok() ? mount->minor : minor(st.st_dev);
  auto devices = resolve_block_devices(maj, min, sys_root);
  if (!devices.ok() && (maj != major(st.st_dev) || min != minor(st.st_dev))) {
    devices = resolve_block_devices(major(st.st_dev), minor(st.st_dev), sys_root);
  }
  if (devices.ok()) return devices;
  if (mount.ok()) {
    return Status::NotFound(fmt::format("no block device under {} ({} {} on {}, device {}:{})",
                                        path, mount->fs_type, mount->source, mount->mount_point,
                                        maj, min));
  }
  return Status::NotFound(fmt::format("no block device under {} (device {}:{}; {}: {})", path,
                                      maj, min, mountinfo_path, mount.status().message()));
}

}  // namespace rk::monitor
