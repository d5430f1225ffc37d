# Shared part of the Debian multiarch cross toolchain files (included by <triplet>.cmake, which sets
# FLEETLINK_CROSS_TRIPLET, FLEETLINK_CROSS_PROCESSOR, FLEETLINK_CROSS_QEMU and FLEETLINK_CROSS_LOADER).
#
# Debian installs target libraries side by side with the host's: /usr/lib/<triplet> and /usr/include/<triplet>
# (packages installed as lib…-dev:arm64 by cross/install-toolchain.sh). The sysroot stays "/"; what keeps host
# libraries out is the target's library architecture for every find_* call, a pkg-config that only sees the
# target's .pc files, and the host's multiarch folders on the ignore list. tests/cross checks the result.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${FLEETLINK_CROSS_PROCESSOR})

set(CMAKE_C_COMPILER ${FLEETLINK_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${FLEETLINK_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${FLEETLINK_CROSS_TRIPLET})

# Search the target's multiarch tree (and the cross libc under /usr/<triplet>); programs (protoc) come from
# the host, everything that is linked or included comes from the target only.
set(CMAKE_FIND_ROOT_PATH /usr/${FLEETLINK_CROSS_TRIPLET} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The build machine's multiarch folders: never searched, whatever a find module or hint says.
execute_process(COMMAND gcc -dumpmachine OUTPUT_VARIABLE _fleetlink_host_triplet OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT _fleetlink_host_triplet)
  set(_fleetlink_host_triplet x86_64-linux-gnu)
endif()
if(NOT _fleetlink_host_triplet STREQUAL FLEETLINK_CROSS_TRIPLET)
  foreach(_dir /usr/lib/${_fleetlink_host_triplet} /lib/${_fleetlink_host_triplet} /usr/include/${_fleetlink_host_triplet})
    list(APPEND CMAKE_IGNORE_PATH ${_dir} ${_dir}/cmake ${_dir}/pkgconfig)
  endforeach()
  list(REMOVE_DUPLICATES CMAKE_IGNORE_PATH)
endif()

# pkg-config (libgps, libsystemd, libgpiod) sees only the target's .pc files and the architecture-independent ones.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${FLEETLINK_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# protoc runs on the build machine; it must be the same protobuf release as the target's libprotobuf-dev.
find_program(Protobuf_PROTOC_EXECUTABLE NAMES protoc PATHS /usr/bin NO_DEFAULT_PATH)

# ctest (and catch_discover_tests) run target programs through qemu-user. "-L /" uses the target's loader and
# libc from the multiarch tree, matching what the program was linked against (-L /usr/<triplet> pairs the
# program with the cross libc instead, and threaded programs hang there). binfmt_misc is not assumed.
# Without the target's libc6 in the multiarch tree (only the bare cross compiler installed, see
# install-toolchain.sh exit code 3) the cross libc under /usr/<triplet> is all there is: single-threaded
# programs (toolchain smoke tests) still run there.
if(EXISTS ${FLEETLINK_CROSS_LOADER})
  set(CMAKE_CROSSCOMPILING_EMULATOR ${FLEETLINK_CROSS_QEMU} -L /)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR ${FLEETLINK_CROSS_QEMU} -L /usr/${FLEETLINK_CROSS_TRIPLET})
endif()
