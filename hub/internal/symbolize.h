// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.
//
// symbolize.h (internal)
//
// Names for code addresses, for the monitor's reports: the function (from the
// object's ELF symbol table, demangled) and the object. Each call opens the
// object files it needs and closes them before it returns: a process that
// reports once keeps no descriptor for it (absl's symbolizer keeps one per
// shared library open for good).

#ifndef GEVENT_HUB_INTERNAL_SYMBOLIZE_H_
#define GEVENT_HUB_INTERNAL_SYMBOLIZE_H_

#include <string>
#include <vector>

namespace gevent::internal {

// One line per pc: "0x... function+0x12 (object)". Every pc after the first is
// taken as a return address (the call before it is what gets named), and the
// first too unless `first_is_exact` (an interrupted pc).
std::vector<std::string> Symbolize(const std::vector<void*>& pcs,
                                   bool first_is_exact = true);

}  // namespace gevent::internal

#endif  // GEVENT_HUB_INTERNAL_SYMBOLIZE_H_
