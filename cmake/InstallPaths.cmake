# Included by install(CODE) snippets (conf/, systemd/) at install time: the paths
# of the installed files follow the prefix given to "cmake --install --prefix",
# not only the one configured. Input: RPFGUARD_SBINDIR and RPFGUARD_SYSCONFDIR,
# GNUInstallDirs' CMAKE_INSTALL_{SBINDIR,SYSCONFDIR} as configured.
# Output: rpfguard_sbindir, rpfguard_sysconfdir (absolute, without DESTDIR).
set(_prefix "${CMAKE_INSTALL_PREFIX}")

if(IS_ABSOLUTE "${RPFGUARD_SBINDIR}")
  set(rpfguard_sbindir "${RPFGUARD_SBINDIR}")
else()
  set(rpfguard_sbindir "${_prefix}/${RPFGUARD_SBINDIR}")
endif()

# GNUInstallDirs: /etc for the /usr prefix, PREFIX/etc for any other.
if(RPFGUARD_SYSCONFDIR STREQUAL "/etc" OR RPFGUARD_SYSCONFDIR STREQUAL "etc")
  if(_prefix STREQUAL "/usr" OR _prefix STREQUAL "/usr/")
    set(rpfguard_sysconfdir "/etc")
  else()
    set(rpfguard_sysconfdir "${_prefix}/etc")
  endif()
elseif(IS_ABSOLUTE "${RPFGUARD_SYSCONFDIR}")
  set(rpfguard_sysconfdir "${RPFGUARD_SYSCONFDIR}")
else()
  set(rpfguard_sysconfdir "${_prefix}/${RPFGUARD_SYSCONFDIR}")
endif()
unset(_prefix)
