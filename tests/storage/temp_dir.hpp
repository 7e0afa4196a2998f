#pragma once

// A fresh directory for one test under <build>/tmp, removed with its contents
// afterwards. Under the build directory so that parallel builds (plain,
// sanitizer) never share one.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace dkv::test {

class temp_dir {
public:
  temp_dir() {
    auto base = std::filesystem::path{DKV_BINARY_DIR} / "tmp";
    std::filesystem::create_directories(base);
    auto pattern = (base / "storage-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }

  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

  /// A path inside the directory (not created).
  std::string sub(const std::string& name) const {
    return (std::filesystem::path{path_} / name).string();
  }

private:
  std::string path_;
};

} // namespace dkv::test
