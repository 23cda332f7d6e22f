// Copyright 2026 The gevent-cpp Authors. Licensed under the Apache License 2.0.

#include "gevent/hub/internal/symbolize.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string_view>

#include "absl/strings/str_format.h"

namespace gevent::internal {
namespace {

// An object file mapped read-only while a report is made.
class MappedElf {
 public:
  explicit MappedElf(const char* path) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
      void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                     MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const char*>(p);
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    close(fd);
  }
  ~MappedElf() {
    if (data_ != nullptr) munmap(const_cast<char*>(data_), size_);
  }
  MappedElf(const MappedElf&) = delete;
  MappedElf& operator=(const MappedElf&) = delete;

  // The function symbol covering `offset` (an address relative to the load
  // base) and where in it, from .symtab or else .dynsym.
  bool Lookup(uint64_t offset, std::string* name, uint64_t* within) const {
    if (size_ < sizeof(Elf64_Ehdr)) return false;
    const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(data_);
    if (std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff == 0 ||
        eh->e_shoff + uint64_t{eh->e_shnum} * sizeof(Elf64_Shdr) > size_) {
      return false;
    }
    const auto* sections =
        reinterpret_cast<const Elf64_Shdr*>(data_ + eh->e_shoff);
    for (uint32_t type : {SHT_SYMTAB, SHT_DYNSYM}) {
      for (int i = 0; i < eh->e_shnum; ++i) {
        const Elf64_Shdr& sh = sections[i];
        if (sh.sh_type != type || sh.sh_link >= eh->e_shnum) continue;
        const Elf64_Shdr& strtab = sections[sh.sh_link];
        if (sh.sh_offset + sh.sh_size > size_ ||
            strtab.sh_offset + strtab.sh_size > size_) {
          continue;
        }
        const auto* syms =
            reinterpret_cast<const Elf64_Sym*>(data_ + sh.sh_offset);
        const size_t n = sh.sh_size / sizeof(Elf64_Sym);
        for (size_t k = 0; k < n; ++k) {
          const Elf64_Sym& s = syms[k];
          if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_value == 0) continue;
          if (offset < s.st_value || offset >= s.st_value + s.st_size) continue;
          if (s.st_name >= strtab.sh_size) continue;
          const char* raw = data_ + strtab.sh_offset + s.st_name;
          *name = std::string(raw, strnlen(raw, strtab.sh_size - s.st_name));
          *within = offset - s.st_value;
          return true;
        }
      }
    }
    return false;
  }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

std::string Demangle(const std::string& name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), &std::free);
  return status == 0 && out ? std::string(out.get()) : name;
}

}  // namespace

std::vector<std::string> Symbolize(const std::vector<void*>& pcs,
                                   bool first_is_exact) {
  std::map<std::string, std::unique_ptr<MappedElf>> files;  // this call's
  std::vector<std::string> out;
  for (size_t i = 0; i < pcs.size(); ++i) {
    void* pc = pcs[i];
    const bool after_call = i > 0 || !first_is_exact;
    const auto lookup = reinterpret_cast<uintptr_t>(pc) - (after_call ? 1 : 0);
    Dl_info info{};
    link_map* map = nullptr;
    if (dladdr1(reinterpret_cast<void*>(lookup), &info,
                reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) == 0 ||
        map == nullptr) {
      out.push_back(absl::StrFormat("%p  (unknown)", pc));
      continue;
    }
    // The main program's link_map has no name: read it through /proc.
    std::string path = map->l_name != nullptr && map->l_name[0] != '\0'
                           ? map->l_name
                           : "/proc/self/exe";
    std::string object = info.dli_fname != nullptr ? info.dli_fname : path;
    if (const size_t slash = object.rfind('/'); slash != std::string::npos) {
      object = object.substr(slash + 1);
    }
    std::string name;
    uint64_t within = 0;
    bool found = false;
    if (path.rfind("linux-vdso", 0) != 0) {  // the vDSO is no file
      std::unique_ptr<MappedElf>& elf = files[path];
      if (!elf) elf = std::make_unique<MappedElf>(path.c_str());
      found = elf->Lookup(lookup - map->l_addr, &name, &within);
    }
    if (!found && info.dli_sname != nullptr) {  // an exported symbol
      name = info.dli_sname;
      within = lookup - reinterpret_cast<uintptr_t>(info.dli_saddr);
      found = true;
    }
    if (!found) {
      out.push_back(
          absl::StrFormat("%p  (%s+0x%x)", pc, object, lookup - map->l_addr));
      continue;
    }
    out.push_back(absl::StrFormat("%p  %s+0x%x (%s)", pc, Demangle(name),
                                  within + (after_call ? 1 : 0), object));
  }
  return out;
}

}  // namespace gevent::internal
