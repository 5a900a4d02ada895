# CPACK_PROJECT_CONFIG_FILE: read by cpack once per generator, after
# CPackConfig.cmake. Only what differs between the .deb and the .rpm is here;
# for DEB nothing changes.
if(CPACK_GENERATOR STREQUAL "RPM")
  # CPackRPM makes a package relocatable when either variable says so.
  set(CPACK_PACKAGE_RELOCATABLE OFF)
  # Debian's copyright, changelog.Debian.gz and lintian overrides are the .deb's;
  # the RPM carries the license under /usr/share/licenses (%license).
  set(CPACK_INSTALL_SCRIPTS "${CPACK_RPFGUARD_RPM_INSTALL_SCRIPT}")
  # Fedora/RHEL keep units in /usr/lib/systemd/system; the install may have put it
  # where the build host's systemd.pc says (Debian 12: /lib/systemd/system).
  set(CPACK_PRE_BUILD_SCRIPTS "${CPACK_RPFGUARD_RPM_UNITDIR_SCRIPT}")
endif()
