# CMake toolchain file: 32-bit ARMv7 boards (hard float) with Debian's cross compiler and multiarch armhf
# libraries. Install them with: cross/install-toolchain.sh armhf
#   cmake -S . -B build/cross-armhf -G Ninja --toolchain cross/arm-linux-gnueabihf.cmake -DFLEETLINK_BUILD_HUB=OFF
set(FLEETLINK_CROSS_TRIPLET arm-linux-gnueabihf)
set(FLEETLINK_CROSS_PROCESSOR armv7l)
set(FLEETLINK_CROSS_DEBARCH armhf)
set(FLEETLINK_CROSS_QEMU qemu-arm)
set(FLEETLINK_CROSS_LOADER /lib/ld-linux-armhf.so.3)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
