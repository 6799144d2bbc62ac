// A fresh temporary directory for a test, removed with everything in it at the end of its scope.
#pragma once

#include <filesystem>
#include <string>
#include <unistd.h>

namespace bfd::test {

/// A fresh directory, removed with everything in it at the end of its scope.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bfd-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

} // namespace bfd::test
