# CPack Debian package.
