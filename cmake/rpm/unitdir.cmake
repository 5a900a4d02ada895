# CPACK_PRE_BUILD_SCRIPTS for the RPM: the staging tree holds what "cmake
# --install" put there for the build host. A unit in /lib/systemd/system (Debian's
# systemd.pc before the /usr merge) moves to /usr/lib/systemd/system, where
# Fedora's and RHEL's systemd look for packaged units. Nothing to do when the build
# host already says /usr/lib/systemd/system (Fedora, Debian 13).
set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
if(IS_DIRECTORY "${root}/lib/systemd/system")
  file(MAKE_DIRECTORY "${root}/usr/lib/systemd")
  if(EXISTS "${root}/usr/lib/systemd/system")
    message(FATAL_ERROR "rpfguard RPM: units in both /lib/systemd/system and /usr/lib/systemd/system")
  endif()
  file(RENAME "${root}/lib/systemd/system" "${root}/usr/lib/systemd/system")
  # /lib held nothing else (the catalog is under /usr already): drop the empty
  # directories, or the package would own /lib and /lib/systemd.
  file(GLOB_RECURSE left LIST_DIRECTORIES false "${root}/lib/*")
  if(left)
    message(FATAL_ERROR "rpfguard RPM: unexpected files under /lib: ${left}")
  endif()
  file(REMOVE_RECURSE "${root}/lib")
endif()
