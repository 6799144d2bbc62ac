// Internal to chains/contracts: the one file that touches wabt's interpreter. It is C++17 (std and
// wabt/type.h only) because wabt 1.0.32's interp-inl.h does not compile as C++20 with GCC 12.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <wabt/feature.h>
#include <wabt/type.h>

namespace bfd::contracts::detail {

/// One host function of the "bfd" module: its name and signature.
struct host_signature {
  const char* name;
  std::vector<wabt::Type> params;
  std::vector<wabt::Type> results;
};

/// The host API, in a fixed order (host indices below refer to it).
const std::vector<host_signature>& host_api();

/// The WebAssembly features a contract may use (the readers refuse opcodes of the others).
wabt::Features contract_features();

/// The engine's side of a host call. Values are zero-extended i32 or raw i64 bits.
class interp_host {
public:
  virtual ~interp_host() = default;
  /// Runs host function `index`; `memory`/`memory_size` are the instance's memory right now
  /// (null/0 without one); `fuel` is the remaining fuel to charge. False traps with `why`.
  virtual bool call(std::size_t index, const std::vector<std::uint64_t>& args, std::vector<std::uint64_t>& results,
                    std::uint8_t* memory, std::uint64_t memory_size, std::int64_t& fuel, std::string& why) = 0;
};

/// A module in the interpreter's form (wabt's ModuleDesc), read from instrumented bytes.
struct interp_program;

/// Reads (and re-validates) instrumented module bytes; null with `error` set on failure.
std::shared_ptr<const interp_program> interp_read(const std::uint8_t* data, std::size_t size,
                                                  std::vector<std::size_t> import_hosts, std::uint32_t fuel_global,
                                                  std::string& error);

/// Exported function names, in export order.
std::vector<std::string> interp_exports(const interp_program& program);

/// How a call ended.
struct interp_outcome {
  enum class status { ok, no_such_export, bad_arguments, trapped } result = status::ok;
  std::string message;
  std::vector<std::uint64_t> results;
  std::vector<bool> result_is_i64;
  std::int64_t fuel_left = 0;  ///< negative after running out of fuel
};

/// Instantiates `program` on a fresh store and calls export `name` with `fuel` units.
interp_outcome interp_call(const interp_program& program, std::string_view name,
                           const std::vector<std::uint64_t>& args, const std::vector<bool>& arg_is_i64,
                           std::int64_t fuel, interp_host& host);

} // namespace bfd::contracts::detail
