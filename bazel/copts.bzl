"""Compiler options shared by every gevent-cpp target."""

# -Werror is added for this workspace only (see .bazelrc), so a consumer on another
# compiler is never broken by a new warning in our code.
GEVENT_DEFAULT_COPTS = [
    "-std=c++20",
    "-Wall",
    "-Wextra",
    "-Wno-missing-field-initializers",
]
