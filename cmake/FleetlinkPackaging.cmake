# Packages (CPack): `fleetlink-edge`, what a vehicle board needs, as a Debian package (DEB) and a plain tarball
# (TGZ, for boards without dpkg). Everything is installed under the `edge` component so the package holds exactly
# this list, whatever else the build installs. cross/build-package.sh builds it for a target:
#   cross/build-package.sh aarch64   ->  build/cross-aarch64/packages/fleetlink-edge_<version>_arm64.deb (+ .tar.gz)
# Destinations are relative to "/" (CPACK_PACKAGING_INSTALL_PREFIX) so that the Debian package and the tarball
# carry the same tree: `tar -C / -xzf` on a board without dpkg lands every file where the package would.
set(_fl_edge_share usr/share/fleetlink)

install(TARGETS fleetlink-edge fleetlinkctl fleetlink-fieldcheck RUNTIME DESTINATION usr/bin COMPONENT edge)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/firmware-config/fleetlink-provision DESTINATION usr/bin COMPONENT edge)
# The unit belongs to the agent (deploy/systemd/fleetlink-edge.service); packaged where Debian's systemd looks.
if(EXISTS ${PROJECT_SOURCE_DIR}/deploy/systemd/fleetlink-edge.service)
  install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/fleetlink-edge.service DESTINATION lib/systemd/system COMPONENT edge)
else()
  message(WARNING "deploy/systemd/fleetlink-edge.service is missing: the edge package has no systemd unit")
endif()
install(FILES ${PROJECT_SOURCE_DIR}/firmware-config/edge.toml DESTINATION etc/fleetlink COMPONENT edge)
install(FILES ${PROJECT_SOURCE_DIR}/firmware-config/udev/60-fleetlink.rules DESTINATION lib/udev/rules.d COMPONENT edge)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/firmware-config/profiles ${PROJECT_SOURCE_DIR}/firmware-config/gpsd
        DESTINATION ${_fl_edge_share} COMPONENT edge)
install(FILES ${PROJECT_SOURCE_DIR}/firmware-config/identity.toml.example DESTINATION ${_fl_edge_share} COMPONENT edge)
# The system user and its folders, declared for systemd as well (sysusers.d, tmpfiles.d): `dpkg-deb -c` shows
# them, and a board that installs the tarball gets the account at boot without running the postinst.
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/edge/fleetlink-edge.sysusers DESTINATION usr/lib/sysusers.d
        RENAME fleetlink-edge.conf COMPONENT edge)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/edge/fleetlink-edge.tmpfiles DESTINATION usr/lib/tmpfiles.d
        RENAME fleetlink-edge.conf COMPONENT edge)
# The maintainer scripts travel in the tarball too, for boards that install it by hand.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/deploy/debian/edge/postinst DESTINATION ${_fl_edge_share}/setup
        RENAME create-user-and-enable.sh COMPONENT edge)

# Target architecture in Debian's names: the toolchain file says it when cross-compiling.
if(FLEETLINK_CROSS_DEBARCH)
  set(_fl_debarch ${FLEETLINK_CROSS_DEBARCH})
else()
  execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE _fl_debarch OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(NOT _fl_debarch)
    set(_fl_debarch ${CMAKE_SYSTEM_PROCESSOR})
  endif()
endif()

# conffiles: dpkg keeps the board's edits to these across upgrades.
set(_fl_conffiles ${PROJECT_BINARY_DIR}/packaging/edge/conffiles)
file(WRITE ${_fl_conffiles} "/etc/fleetlink/edge.toml\n")

set(CPACK_PACKAGE_NAME fleetlink)
set(CPACK_PACKAGE_VENDOR "fleetlink")
set(CPACK_PACKAGE_CONTACT "fleetlink operations <ops@fleetlink.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY ${PROJECT_DESCRIPTION})
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_PACKAGING_INSTALL_PREFIX /)
set(CPACK_GENERATOR DEB TGZ)
set(CPACK_COMPONENTS_ALL edge)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_ARCHIVE_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING IGNORE)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${_fl_debarch})
set(CPACK_DEBIAN_EDGE_PACKAGE_NAME fleetlink-edge)
set(CPACK_DEBIAN_EDGE_FILE_NAME fleetlink-edge_${PROJECT_VERSION}_${_fl_debarch}.deb)
set(CPACK_ARCHIVE_EDGE_FILE_NAME fleetlink-edge_${PROJECT_VERSION}_${_fl_debarch})
set(CPACK_DEBIAN_EDGE_DESCRIPTION
    "fleetlink in-vehicle agent\n GPS through gpsd and the panic button to the fleetlink hub over MQTT 5, buffered\n in SQLite so nothing is lost. Includes fleetlinkctl, fleetlink-fieldcheck and fleetlink-provision.")
set(CPACK_DEBIAN_EDGE_PACKAGE_SECTION misc)
# Libraries from dpkg-shlibdeps (for the target architecture); the programs the agent talks to or the field
# check runs, by name.
set(CPACK_DEBIAN_EDGE_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_EDGE_PACKAGE_DEPENDS "adduser, gpsd")
set(CPACK_DEBIAN_EDGE_PACKAGE_RECOMMENDS "systemd, udev")
set(CPACK_DEBIAN_EDGE_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/edge/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/edge/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/edge/postrm
    ${_fl_conffiles})
set(CPACK_DEBIAN_EDGE_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
