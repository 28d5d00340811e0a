// The block device(s) under a directory: the mount that holds it (from /proc/self/mountinfo),
// then sysfs to go from that device to the disks that carry its I/O: a partition to its parent
// disk (/sys/dev/block/MAJ:MIN is a partition when it has a `partition` file; its parent
// directory is the disk), device-mapper and md devices to their `slaves/`, recursively.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk::monitor {

// One line of /proc/self/mountinfo (proc(5)); octal escapes (\040 etc.) are decoded.
struct MountEntry {
  unsigned major = 0;
  unsigned minor = 0;
  std::string root;  // the mounted directory inside the filesystem
  std::string mount_point;
  std::string fs_type;
  std::string source;  // e.g. /dev/sda1, tmpfs
};

// kCorruption naming the line when a line is malformed.
Result<std::vector<MountEntry>> parse_mountinfo(std::string_view text);

// The mount that holds `path`: the last (topmost) entry whose device equals stat(path).st_dev,
// else the entry with the longest mount point that is a prefix of the canonical path.
// kNotFound when the path does not exist.
Result<MountEntry> find_mount(const std::string& path, const std::vector<MountEntry>& mounts);

// The devices to watch for a mount.
struct BlockDevices {
  std::string device;                // kernel name of the mounted device: sda1, dm-0, md0, vda
  std::vector<std::string> stacked;  // device-mapper and md devices on the way down (incl. device)
  std::vector<std::string> disks;    // whole disks at the bottom (sda for sda1; slaves' disks)

  // What to evaluate: the stacked devices, then the disks (no duplicates). A partition is
  // represented by its disk: the disk's queue is where the partition's I/O waits.
  std::vector<std::string> watched() const;
};

// Resolves device MAJ:MIN through sysfs (`sys_root` is "/sys" except in tests). kNotFound when
// sysfs has no such block device (e.g. major 0: tmpfs, overlay, btrfs subvolumes).
Result<BlockDevices> resolve_block_devices(unsigned major, unsigned minor,
                                           const std::string& sys_root = "/sys");

// find_mount + resolve_block_devices for a directory. The error says which mount had no block
// device ("tmpfs on /tmp"). When the mount table holds no mount for the path (a chroot or
// container hides the mounts outside its root) or cannot be read, the path's own device number
// (stat st_dev) is resolved instead.
Result<BlockDevices> block_devices_under(const std::string& path,
                                         const std::string& mountinfo_path = "/proc/self/mountinfo",
                                         const std::string& sys_root = "/sys");

}  // namespace rk::monitor
