// Test helpers for WebAssembly: the committed example modules and WAT compiled with wabt's parser.
#pragma once

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <wabt/binary-writer.h>
#include <wabt/stream.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include "chains/core/bytes.hpp"

namespace bfd::test {

/// Reads a committed example module from contracts/examples/ (BFD_CONTRACTS_DIR).
inline bytes example(const std::string& name) {
  std::ifstream in(std::string(BFD_CONTRACTS_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing contracts/examples/" << name);
  return bytes(std::istreambuf_iterator<char>(in), {});
}

/// Compiles WAT text with wabt's own parser (test-only; the engine takes binaries).
inline bytes wat(const std::string& text) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer("test.wat", text.data(), text.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::Features features;  // wabt's defaults: the engine, not the test, decides what is allowed
  wabt::WastParseOptions parse_opts(features);
  auto parsed = wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_opts);
  REQUIRE_MESSAGE(wabt::Succeeded(parsed), (errors.empty() ? "parse error" : errors.front().message));
  wabt::MemoryStream stream;
  REQUIRE(wabt::Succeeded(wabt::WriteBinaryModule(&stream, module.get(), wabt::WriteBinaryOptions(features, true, false, false))));
  return stream.output_buffer().data;
}

} // namespace bfd::test
