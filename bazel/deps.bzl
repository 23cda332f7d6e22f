"""gevent_cpp_dependencies(): every repository gevent-cpp needs, offline.

Call it from your WORKSPACE after loading it from @gevent_cpp. Each repository is
defined only when the workspace does not define it already, so a consumer that builds
Abseil or GoogleTest from source keeps its own single copy.
"""

load("@bazel_tools//tools/build_defs/repo:utils.bzl", "maybe")
load(":system_repository.bzl", "shim_repository", "system_repository")

# Abseil targets we expose: package -> names. Each links the pkg-config module
# absl_<name> when Debian ships one (header-only targets have none).
_ABSL = {
    "absl/algorithm": ["algorithm", "container"],
    "absl/base": ["base", "config", "core_headers", "dynamic_annotations", "log_severity", "prefetch"],
    "absl/cleanup": ["cleanup"],
    "absl/container": [
        "btree",
        "fixed_array",
        "flat_hash_map",
        "flat_hash_set",
        "inlined_vector",
        "node_hash_map",
        "node_hash_set",
    ],
    "absl/debugging": ["failure_signal_handler", "stacktrace", "symbolize", "leak_check"],
    "absl/flags": ["flag", "parse", "usage"],
    "absl/functional": ["any_invocable", "bind_front", "function_ref"],
    "absl/hash": ["hash"],
    "absl/memory": ["memory"],
    "absl/meta": ["type_traits"],
    "absl/numeric": ["bits", "int128"],
    "absl/random": ["random", "distributions"],
    "absl/status": ["status", "statusor"],
    "absl/strings": ["strings", "str_format", "cord"],
    "absl/synchronization": ["synchronization"],
    "absl/time": ["time"],
    "absl/types": ["any", "optional", "span", "variant", "compare"],
    "absl/utility": ["utility"],
}

# Where the upstream name and Debian's pkg-config module differ.
_ABSL_MODULE = {
    "algorithm/container": "absl_algorithm_container",
    "flags/flag": "absl_flags",
    "flags/parse": "absl_flags_parse",
    "flags/usage": "absl_flags_usage",
    "random/random": "absl_random_random",
    "random/distributions": "absl_random_distributions",
}

def _absl_targets():
    targets = {}
    for package, names in _ABSL.items():
        for name in names:
            short = package.split("/")[1] + "/" + name
            module = _ABSL_MODULE.get(short, "absl_" + name)
            targets[package + ":" + name] = module + "||"
    return targets

_RULES_CC_DEFS = """\
\"\"\"Offline stand-in for rules_cc: re-exports the native rules.\"\"\"
cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_proto_library = native.cc_proto_library
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
fdo_prefetch_hints = native.fdo_prefetch_hints
fdo_profile = native.fdo_profile
objc_import = native.objc_import
objc_library = native.objc_library
"""

_RULES_JAVA_DEFS = """\
\"\"\"Offline stand-in for rules_java: re-exports the native rules.\"\"\"
java_binary = native.java_binary
java_import = native.java_import
java_library = native.java_library
java_lite_proto_library = native.java_lite_proto_library
java_package_configuration = native.java_package_configuration
java_plugin = native.java_plugin
java_proto_library = native.java_proto_library
java_runtime = native.java_runtime
java_test = native.java_test
java_toolchain = native.java_toolchain
"""

_COVERAGE_BUILD = """\
package(default_visibility = ["//visibility:public"])
filegroup(name = "coverage_report_generator", srcs = [])
filegroup(name = "lcov_merger", srcs = [])
"""

def gevent_cpp_dependencies():
    """Defines the repositories gevent-cpp needs, unless already defined."""

    # Bazel 4.2.3 (Debian's bazel-bootstrap) would download these three.
    maybe(
        shim_repository,
        name = "rules_cc",
        files = {"BUILD.bazel": "", "cc/BUILD.bazel": "", "cc/defs.bzl": _RULES_CC_DEFS},
    )
    maybe(
        shim_repository,
        name = "rules_java",
        files = {"BUILD.bazel": "", "java/BUILD.bazel": "", "java/defs.bzl": _RULES_JAVA_DEFS},
    )
    maybe(
        shim_repository,
        name = "remote_coverage_tools",
        files = {"BUILD.bazel": _COVERAGE_BUILD},
    )

    maybe(
        system_repository,
        name = "com_google_absl",
        targets = _absl_targets(),
        required_files = ["/usr/include/absl/base/config.h"],
        debian_packages = ["libabsl-dev"],
    )
    maybe(
        system_repository,
        name = "com_google_googletest",
        targets = {
            ":gtest": "gtest|-lgtest -pthread|",
            ":gtest_main": "gtest_main|-lgtest_main -lgtest -pthread|",
            ":gmock": "gmock|-lgmock -lgtest -pthread|",
            ":gmock_main": "gmock_main|-lgmock_main -lgmock -lgtest -pthread|",
        },
        required_files = ["/usr/include/gtest/gtest.h", "/usr/include/gmock/gmock.h"],
        debian_packages = ["libgtest-dev", "libgmock-dev"],
    )
    maybe(
        system_repository,
        name = "com_github_google_benchmark",
        targets = {
            ":benchmark": "benchmark|-lbenchmark -pthread|",
            ":benchmark_main": "benchmark_main|-lbenchmark_main -lbenchmark -pthread|",
        },
        required_files = ["/usr/include/benchmark/benchmark.h"],
        debian_packages = ["libbenchmark-dev"],
    )
    maybe(
        system_repository,
        name = "com_github_libevent_libevent",
        targets = {
            ":libevent": "libevent_core libevent_pthreads|-levent_core -levent_pthreads|",
            # OpenSSL bufferevents, for the downloader example's --tls.
            # Its .pc file names all of libevent, so the flags are given here.
            ":libevent_openssl": "|-levent_openssl|:libevent @com_github_openssl_openssl//:ssl",
        },
        required_files = ["/usr/include/event2/event.h"],
        debian_packages = ["libevent-dev"],
    )
    maybe(
        system_repository,
        name = "com_github_axboe_liburing",
        targets = {":liburing": "liburing|-luring|"},
        required_files = ["/usr/include/liburing.h"],
        debian_packages = ["liburing-dev"],
    )

    # Only tests and examples use these: unmodified blocking clients that
    # io/monkey makes cooperative, and the examples' HTTP parser.
    maybe(
        system_repository,
        name = "com_github_curl_curl",
        targets = {":curl": "libcurl|-lcurl|"},
        required_files = ["/usr/include/x86_64-linux-gnu/curl/curl.h"],
        debian_packages = ["libcurl4-openssl-dev"],
    )
    maybe(
        system_repository,
        name = "com_github_redis_hiredis",
        targets = {":hiredis": "hiredis|-lhiredis|"},
        required_files = ["/usr/include/hiredis/hiredis.h"],
        debian_packages = ["libhiredis-dev"],
    )
    maybe(
        system_repository,
        name = "com_github_nodejs_http_parser",
        targets = {":http_parser": "|-lhttp_parser|"},
        required_files = ["/usr/include/http_parser.h"],
        debian_packages = ["libhttp-parser-dev"],
    )
    maybe(
        system_repository,
        name = "com_github_openssl_openssl",
        targets = {
            ":crypto": "libcrypto|-lcrypto|",
            ":ssl": "libssl libcrypto|-lssl -lcrypto|",
        },
        required_files = ["/usr/include/openssl/ssl.h"],
        debian_packages = ["libssl-dev"],
    )
    maybe(
        system_repository,
        name = "boost",
        targets = {
            ":context": "|-lboost_context|",
            # Only the benchmarks use Boost.Fiber, as a peer to compare against.
            ":fiber": "|-lboost_fiber -lboost_context|",
            # Header-only; bench/asio_echo_server.cc is the Boost.Asio peer.
            ":asio": "|-lpthread|",
        },
        required_files = ["/usr/include/boost/context/detail/fcontext.hpp"],
        debian_packages = ["libboost-context-dev", "libboost-fiber-dev"],
    )
