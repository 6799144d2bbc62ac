// Replays fuzz inputs without libFuzzer: feeds each named file, and every file in each named
// directory, to LLVMFuzzerTestOneInput once, so corpora run as ordinary tests in any build.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

/// The fuzz target linked into this executable.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

/// The regular files `arg` names: itself, or the files directly inside it in name order.
bool collect_inputs(const fs::path& arg, std::vector<fs::path>& out) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    out.push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, ec))
    return false;
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(arg, ec))
    if (entry.is_regular_file(ec))
      found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  out.insert(out.end(), found.begin(), found.end());
  return !ec;
}

/// Runs one file through the target in a buffer of exactly its size, as libFuzzer does,
/// so a sanitizer build catches reads past the end.
bool replay(const fs::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream)
    return false;
  const std::vector<char> content{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
  auto buffer = std::make_unique<std::uint8_t[]>(content.size());
  std::copy(content.begin(), content.end(), buffer.get());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), content.size());
  LLVMFuzzerTestOneInput(buffer.get(), content.size());
  return true;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("-"))
      continue;  // a libFuzzer flag: accepted so a fuzzer's command line replays unchanged
    if (!collect_inputs(arg, inputs)) {
      std::fprintf(stderr, "replay: cannot read '%s'\n", arg.c_str());
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY... (no inputs found)\n", argv[0]);
    return 2;
  }
  for (const auto& file : inputs) {
    if (!replay(file)) {
      std::fprintf(stderr, "replay: cannot read '%s'\n", file.c_str());
      return 2;
    }
  }
  std::printf("replay: %zu inputs, all properties hold\n", inputs.size());
  return 0;
}
