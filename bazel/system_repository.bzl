"""Repository rules that wrap Debian's -dev packages as Bazel repositories.

No network: each rule checks that the package's headers are installed, asks pkg-config
for link flags where the package ships a .pc file, and writes BUILD files whose labels
match the upstream projects' (so a consumer that builds Abseil from source keeps its own).
"""

def _pkg_config_libs(rctx, modules, fallback):
    """Link flags for `modules` from pkg-config, or `fallback` when it has none."""
    pkg_config = rctx.which("pkg-config")
    if pkg_config == None or not modules:
        return fallback
    result = rctx.execute([pkg_config, "--libs"] + modules)
    if result.return_code != 0:
        return fallback
    return result.stdout.strip().split(" ")

def _check_installed(rctx):
    for path in rctx.attr.required_files:
        if not rctx.path(path).exists:
            fail(("{name}: {path} is missing. Install the Debian packages with:\n" +
                  "  apt-get install -y {packages}\n" +
                  "(./bazelw does this for you.)").format(
                name = rctx.name,
                path = path,
                packages = " ".join(rctx.attr.debian_packages),
            ))

_LIBRARY_TEMPLATE = """
cc_library(
    name = "{name}",
    linkopts = {linkopts},
    deps = {deps},
    visibility = ["//visibility:public"],
)
"""

def _system_repository_impl(rctx):
    _check_installed(rctx)
    packages = {}
    for label, spec in rctx.attr.targets.items():
        package, _, name = label.rpartition(":")
        modules, _, rest = spec.partition("|")
        fallback, _, deps = rest.partition("|")
        linkopts = _pkg_config_libs(
            rctx,
            [m for m in modules.split(" ") if m],
            [f for f in fallback.split(" ") if f],
        )
        text = _LIBRARY_TEMPLATE.format(
            name = name,
            linkopts = repr(linkopts),
            deps = repr([d for d in deps.split(" ") if d]),
        )
        packages[package] = packages.get(package, "") + text
    for package, text in packages.items():
        path = package + "/BUILD.bazel" if package else "BUILD.bazel"
        rctx.file(path, "# Generated from Debian's packages by system_repository.\n" + text)
    rctx.file("WORKSPACE", 'workspace(name = "{}")\n'.format(rctx.name))

system_repository = repository_rule(
    implementation = _system_repository_impl,
    doc = """A C/C++ library installed by Debian packages, exposed under upstream labels.

    targets maps "package:name" to "pkg-config modules|fallback -l flags|deps".""",
    attrs = {
        "targets": attr.string_dict(mandatory = True),
        "required_files": attr.string_list(),
        "debian_packages": attr.string_list(),
    },
    local = True,
)

def _shim_repository_impl(rctx):
    for path, content in rctx.attr.files.items():
        rctx.file(path, content)
    rctx.file("WORKSPACE", 'workspace(name = "{}")\n'.format(rctx.name))

shim_repository = repository_rule(
    implementation = _shim_repository_impl,
    doc = "A tiny local stand-in for a repository offline Bazel 4.2.3 would download.",
    attrs = {"files": attr.string_dict(mandatory = True)},
)
