"""Compiler options shared by every gevent-cpp target."""

# -Werror is added for this workspace only (see .bazelrc), so a consumer on another
# compiler is never broken by a new warning in our code.
GEVENT_DEFAULT_COPTS = [
    "-std=c++20",
    # Stack probing: a frame larger than a page touches each page it allocates,
    # so an overflow hits the guard below a greenlet's stack instead of jumping
    # it into another greenlet's stack. Users' code that runs on greenlets wants
    # it too (README, "Use it from your Bazel project").
    "-fstack-clash-protection",
    "-Wall",
    "-Wextra",
    "-Wno-missing-field-initializers",
]
