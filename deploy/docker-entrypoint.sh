#!/bin/sh
# The effcached image's entrypoint, as memcached's official image has it: arguments that start with
# a dash are effcached's flags (`docker run effcached -m 256 -v`); `memcached ...` is taken as
# effcached too, so a command line written for the memcached image works unchanged; anything else
# runs as given (`docker run -it effcached sh`).
set -e

# first arg is `-f` or `--some-option`
if [ "${1#-}" != "$1" ]; then
	set -- effcached "$@"
fi

if [ "$1" = "memcached" ]; then
	shift
	set -- effcached "$@"
fi

exec "$@"
