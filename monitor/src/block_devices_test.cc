// From a directory to the block devices under it: mountinfo parsing, and the sysfs walk over a
// fake /sys tree laid out like the kernel's (partitions, device-mapper, md, LVM on md).
#include "ringkeeper/monitor/block_devices.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>

#include "disk_test_util.h"
#include "ringkeeper/monitor/diskstats.h"

namespace rk::monitor {
namespace {

namespace fs = std::filesystem;

TEST(Mountinfo, ParsesFieldsOptionalTagsAndEscapes) {
  auto r = parse_mountinfo(
      "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
      "36 27 8:17 /data /var/lib/ring\\040keeper rw master:3 shared:4 - xfs /dev/sdb1 rw\n"
      "40 27 0:25 / /tmp rw - tmpfs tmpfs rw,size=4k\n");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].major, 254u);
  EXPECT_EQ((*r)[0].mount_point, "/");
  EXPECT_EQ((*r)[0].fs_type, "ext4");
  EXPECT_EQ((*r)[0].source, "/dev/vda");
  EXPECT_EQ((*r)[1].major, 8u);
  EXPECT_EQ((*r)[1].minor, 17u);
  EXPECT_EQ((*r)[1].root, "/data");
  EXPECT_EQ((*r)[1].mount_point, "/var/lib/ring keeper");
  EXPECT_EQ((*r)[1].fs_type, "xfs");
  EXPECT_EQ((*r)[2].fs_type, "tmpfs");
}

TEST(Mountinfo, MalformedLineIsCorruption) {
  auto r = parse_mountinfo("27 1 254:0 / / rw - ext4\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption);
  EXPECT_FALSE(parse_mountinfo("27 1 x:0 / / rw shared:1 - ext4 /dev/vda rw\n").ok());
}

TEST(Mountinfo, LongestPrefixWinsWhenNoDeviceMatches) {
  // Devices that match no stat() result, so only the path prefixes decide.
  std::vector<MountEntry> mounts = {{9999, 1, "/", "/", "ext4", "/dev/x"},
                                    {9999, 2, "/", "/nonexistent-mp", "ext4", "/dev/y"}};
  auto m = find_mount("/", mounts);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->source, "/dev/x");
  EXPECT_FALSE(find_mount("/nonexistent/path", mounts).ok());
}

// A fake sysfs: sda (sda1), sdb (sdb1), sdc, sdd, sde; dm-0 on sdb1 + sdc; md0 on sdd + sde
// with partition md0p1; dm-1 (LVM) on md0.
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path();
    const fs::path pci = root_ / "devices/pci0000:00/block";
    const fs::path virt = root_ / "devices/virtual/block";
    for (const char* d : {"sda", "sdb", "sdc", "sdd", "sde"}) {
      fs::create_directories(pci / d / "slaves");
    }
    touch(pci / "sda/sda1/partition");
    touch(pci / "sdb/sdb1/partition");
    fs::create_directories(virt / "dm-0/slaves");
    fs::create_directory_symlink("../../../../pci0000:00/block/sdb/sdb1",
                                 virt / "dm-0/slaves/sdb1");
    fs::create_directory_symlink("../../../../pci0000:00/block/sdc", virt / "dm-0/slaves/sdc");
    fs::create_directories(virt / "md0/slaves");
    fs::create_directory_symlink("../../../../pci0000:00/block/sdd", virt / "md0/slaves/sdd");
    fs::create_directory_symlink("../../../../pci0000:00/block/sde", virt / "md0/slaves/sde");
    touch(virt / "md0/md0p1/partition");
    fs::create_directories(virt / "dm-1/slaves");
    fs::create_directory_symlink("../../md0", virt / "dm-1/slaves/md0");
    fs::create_directories(root_ / "dev/block");
    link("8:0", "../../devices/pci0000:00/block/sda");
    link("8:1", "../../devices/pci0000:00/block/sda/sda1");
    link("8:32", "../../devices/pci0000:00/block/sdc");
    link("253:0", "../../devices/virtual/block/dm-0");
    link("253:1", "../../devices/virtual/block/dm-1");
    link("9:0", "../../devices/virtual/block/md0");
    link("259:0", "../../devices/virtual/block/md0/md0p1");
  }
  static void touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "1\n";
  }
  void link(const std::string& dev, const std::string& target) {
    fs::create_directory_symlink(target, root_ / "dev/block" / dev);
  }
  BlockDevices resolve(unsigned major, unsigned minor) {
    auto r = resolve_block_devices(major, minor, root_.string());
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : BlockDevices{};
  }

  TempDir dir_;
  fs::path root_;
};

using Strings = std::vector<std::string>;

TEST_F(FakeSysfs, WholeDiskIsItsOwnDisk) {
  BlockDevices b = resolve(8, 32);
  EXPECT_EQ(b.device, "sdc");
  EXPECT_EQ(b.stacked, Strings{});
  EXPECT_EQ(b.disks, Strings{"sdc"});
  EXPECT_EQ(b.watched(), Strings{"sdc"});
}

TEST_F(FakeSysfs, PartitionMapsToItsParentDisk) {
  BlockDevices b = resolve(8, 1);
  EXPECT_EQ(b.device, "sda1");
  EXPECT_EQ(b.disks, Strings{"sda"});
  EXPECT_EQ(b.watched(), Strings{"sda"});
}

TEST_F(FakeSysfs, DeviceMapperReportsItselfAndTheDisksOfItsSlaves) {
  BlockDevices b = resolve(253, 0);
  EXPECT_EQ(b.device, "dm-0");
  EXPECT_EQ(b.stacked, Strings{"dm-0"});
  EXPECT_EQ(b.disks, (Strings{"sdb", "sdc"}));
  EXPECT_EQ(b.watched(), (Strings{"dm-0", "sdb", "sdc"}));
}

TEST_F(FakeSysfs, MdReportsItselfAndItsMembers) {
  BlockDevices b = resolve(9, 0);
  EXPECT_EQ(b.stacked, Strings{"md0"});
  EXPECT_EQ(b.disks, (Strings{"sdd", "sde"}));
}

TEST_F(FakeSysfs, LvmOnMdWalksTheWholeStack) {
  BlockDevices b = resolve(253, 1);
  EXPECT_EQ(b.device, "dm-1");
  EXPECT_EQ(b.stacked, (Strings{"dm-1", "md0"}));
  EXPECT_EQ(b.disks, (Strings{"sdd", "sde"}));
  EXPECT_EQ(b.watched(), (Strings{"dm-1", "md0", "sdd", "sde"}));
}

TEST_F(FakeSysfs, PartitionOfMdMapsToTheArray) {
  BlockDevices b = resolve(259, 0);
  EXPECT_EQ(b.device, "md0p1");
  EXPECT_EQ(b.stacked, Strings{"md0"});
  EXPECT_EQ(b.disks, (Strings{"sdd", "sde"}));
}

TEST_F(FakeSysfs, UnknownDeviceIsNotFound) {
  auto r = resolve_block_devices(0, 25, root_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
}

// Inside a chroot the mount table lists no mount that holds the path: the path's own device
// number still finds its disk.
TEST_F(FakeSysfs, PathOutsideEveryListedMountFallsBackToItsDeviceNumber) {
  struct stat st {};
  ASSERT_EQ(::stat(root_.c_str(), &st), 0);
  link(std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)),
       "../../devices/pci0000:00/block/sdc");
  const fs::path mountinfo = root_ / "mountinfo";
  std::ofstream(mountinfo) << "27 1 9999:1 / /nonexistent-mp rw - ext4 /dev/x rw\n";
  auto b = block_devices_under(root_.string(), mountinfo.string(), root_.string());
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->disks, Strings{"sdc"});

  auto no_table = block_devices_under(root_.string(), (root_ / "missing").string(), root_.string());
  ASSERT_TRUE(no_table.ok()) << no_table.status().to_string();
  EXPECT_EQ(no_table->disks, Strings{"sdc"});
}

TEST_F(FakeSysfs, NoMountAndNoDeviceSaysBoth) {
  struct stat st {};
  ASSERT_EQ(::stat(root_.c_str(), &st), 0);
  if (resolve_block_devices(major(st.st_dev), minor(st.st_dev), root_.string()).ok()) {
    GTEST_SKIP() << "the scratch directory's device is one of the fake sysfs's devices";
  }
  const fs::path mountinfo = root_ / "mountinfo";
  std::ofstream(mountinfo) << "27 1 9999:1 / /nonexistent-mp rw - ext4 /dev/x rw\n";
  auto b = block_devices_under(root_.string(), mountinfo.string(), root_.string());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(b.status().message().find("no mount holds"), std::string::npos)
      << b.status().message();
}

TEST(BlockDevicesOnThisMachine, WorkingDirectoryIsOnADeviceThatDiskstatsKnows) {
  auto b = block_devices_under(fs::current_path().string());
  if (!b.ok())
    GTEST_SKIP() << "the build directory is not on a block device: " << b.status().message();
  auto stats = read_diskstats();
  ASSERT_TRUE(stats.ok());
  ASSERT_FALSE(b->watched().empty());
  for (const auto& name : b->watched()) {
    EXPECT_NE(find_disk(*stats, name), nullptr) << name << " is not in /proc/diskstats";
  }
}

TEST(BlockDevicesOnThisMachine, TmpfsHasNoBlockDevice) {
  ScratchTmpfs tmp(1 << 20);
  if (!tmp.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << tmp.error() << ")";
  auto b = block_devices_under(tmp.path());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(b.status().message().find("tmpfs"), std::string::npos) << b.status().message();
}

}  // namespace
}  // namespace rk::monitor
