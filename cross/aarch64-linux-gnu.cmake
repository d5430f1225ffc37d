# CMake toolchain file: 64-bit ARM boards (Raspberry Pi 4/CM4, i.MX8M, Rockchip RK3568) with Debian's cross
# compiler and multiarch arm64 libraries. Install them with: cross/install-toolchain.sh aarch64
#   cmake -S . -B build/cross-aarch64 -G Ninja --toolchain cross/aarch64-linux-gnu.cmake -DFLEETLINK_BUILD_HUB=OFF
set(FLEETLINK_CROSS_TRIPLET aarch64-linux-gnu)
set(FLEETLINK_CROSS_PROCESSOR aarch64)
set(FLEETLINK_CROSS_DEBARCH arm64)
set(FLEETLINK_CROSS_QEMU qemu-aarch64)
set(FLEETLINK_CROSS_LOADER /lib/ld-linux-aarch64.so.1)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
