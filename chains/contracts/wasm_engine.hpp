// WebAssembly contract execution on wabt's interpreter: validation, fuel, memory cap, host API.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "chains/core/bytes.hpp"

namespace bfd::contracts {

/// Bounds every node applies identically; they are consensus parameters.
struct wasm_limits {
  std::size_t max_module_bytes = 256 * 1024;  ///< checked before parsing
  std::uint32_t max_memory_pages = 16;        ///< 64 KiB pages: 1 MiB of linear memory
  std::uint32_t max_functions = 1024;         ///< defined functions
  std::uint32_t max_locals = 1024;            ///< locals (with params) of one function
  std::uint32_t max_table_elems = 1024;       ///< initial and maximum size of the one table
  std::uint32_t max_globals = 256;
  std::size_t max_key_bytes = 64;             ///< state key
  std::size_t max_value_bytes = 4096;         ///< state value
  std::size_t max_state_writes = 256;         ///< distinct keys written by one call
  std::size_t max_input_bytes = 4096;         ///< call input
  std::size_t max_event_bytes = 1024;         ///< one event
  std::size_t max_events = 16;                ///< events of one call
  std::size_t max_transfers = 16;             ///< transfer effects of one call
  std::size_t max_output_bytes = 4096;        ///< what output() keeps
  std::size_t max_slot_method_bytes = 64;     ///< the method name slot_call passes
  std::size_t max_slot_calls = 16;            ///< slot_call invocations of one call
};

/// Why a load or a call failed. Names are stable (to_string).
enum class wasm_errc : std::uint8_t {
  too_large,        ///< module bytes over max_module_bytes
  malformed,        ///< not a WebAssembly binary wabt can read
  invalid,          ///< fails WebAssembly validation
  float_refused,    ///< uses f32/f64 types or opcodes
  import_refused,   ///< imports something other than the "bfd" host API
  memory_refused,   ///< more than one memory, or limits above the cap
  start_refused,    ///< has a start function
  limit_exceeded,   ///< too many functions, locals, globals or table elements
  no_such_export,   ///< no exported function of that name
  bad_arguments,    ///< arguments do not match the function's i32/i64 parameters
  out_of_fuel,      ///< the call used its whole fuel budget
  trapped,          ///< the code trapped (wabt's message, or a host API refusal)
};

/// Stable name of a reason, e.g. "out_of_fuel".
std::string_view to_string(wasm_errc code) noexcept;

/// A failed load or call: the reason, a detail, and the fuel a call had used.
struct wasm_error {
  wasm_errc code = wasm_errc::invalid;
  std::string detail;
  std::uint64_t fuel_used = 0;

  /// "out_of_fuel: used all 100000 units"
  std::string message() const;
};

/// Either a value or a wasm_error.
template <class T>
class [[nodiscard]] wasm_result {
public:
  wasm_result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  wasm_result(wasm_error err) : data_(std::in_place_index<1>, std::move(err)) {}
  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const wasm_error& error() const { return std::get<1>(data_); }

private:
  std::variant<T, wasm_error> data_;
};

/// An i32 or i64 argument or result (the only value types a contract may use).
struct wasm_value {
  enum class type : std::uint8_t { i32, i64 } kind = type::i32;
  std::uint64_t bits = 0;  ///< i32 values use the low 32 bits

  static wasm_value i32(std::int32_t v) { return {type::i32, static_cast<std::uint32_t>(v)}; }
  static wasm_value i64(std::int64_t v) { return {type::i64, static_cast<std::uint64_t>(v)}; }
  std::int32_t as_i32() const { return static_cast<std::int32_t>(static_cast<std::uint32_t>(bits)); }
  std::int64_t as_i64() const { return static_cast<std::int64_t>(bits); }
  friend bool operator==(const wasm_value&, const wasm_value&) = default;
};

/// A contract's key/value state as the caller passes it in (keys ordered bytewise).
using contract_state = std::map<bytes, bytes>;

class wasm_module;

/// Writes as a call returns them: key -> new value, or nullopt for a delete.
using state_writes = std::map<bytes, std::optional<bytes>>;

/// The client contract in the called contract's slot, which the host's slot_call runs
/// (docs/contracts.md, "Slots"). It sees only its own state and balance.
struct slot_binding {
  const wasm_module* module = nullptr;          ///< the client's loaded code
  address self;                                 ///< the client's address
  std::uint64_t balance = 0;                    ///< the client's native balance: bounds its transfers
  const contract_state* state = nullptr;        ///< the client's state; null means empty
};

/// What a call sees of the world. Nothing here is read from a clock or the host.
struct call_context {
  address caller;                     ///< the transaction's sender
  address self;                       ///< the contract's own address
  std::uint64_t height = 0;           ///< the block height the call executes at
  std::uint64_t balance = 0;          ///< native units the contract holds: bounds its transfers
  bytes input;                        ///< call data, read with the host's input()
  const contract_state* state = nullptr;  ///< read-only; null means empty
  const slot_binding* slot = nullptr;     ///< the contract's slot; null: slot_call returns -1
  // Set by slot_call for the client's run, not by callers of wasm_module::call:
  const state_writes* pending = nullptr;  ///< the client's writes from earlier slot calls of this call
  bool in_slot = false;                   ///< a slot call: slot_call traps (one level of nesting)
};

/// A native transfer the contract asked for; the state module applies it after the call.
struct transfer_effect {
  address to;
  std::uint64_t amount = 0;
  friend bool operator==(const transfer_effect&, const transfer_effect&) = default;
};

/// What the slot's client did in the successful slot calls of one call: applied to the client
/// (its state, its account, its events) only if the whole call succeeds.
struct slot_outcome {
  state_writes writes;                      ///< the client's writes, merged over its calls
  std::vector<transfer_effect> transfers;   ///< from the client's account, in call order
  std::vector<bytes> events;                ///< the client's events, in call order
  std::uint32_t calls = 0;                  ///< slot calls that returned normally
  friend bool operator==(const slot_outcome&, const slot_outcome&) = default;
};

/// The result of a successful call. Nothing is applied: the caller applies writes and effects.
struct call_outcome {
  std::vector<wasm_value> results;
  state_writes writes;                           ///< key -> new value, or nullopt for a delete
  std::vector<transfer_effect> transfers;        ///< in call order
  std::vector<bytes> events;                     ///< in call order
  bytes output;                                  ///< the last output() of the call (what slot_call returns)
  slot_outcome slot;                             ///< the slot client's effects
  std::uint64_t fuel_used = 0;
  friend bool operator==(const call_outcome&, const call_outcome&) = default;
};

/// What slot_call returns when it does not return the client's output length.
enum class slot_status : std::int32_t {
  no_slot = -1,         ///< the contract has no client in its slot
  no_method = -2,       ///< the client exports no such function, or it takes parameters
  client_failed = -3,   ///< the client trapped or broke a host bound: none of its effects apply
};

/// A validated, fuel-instrumented module, ready to call. Cheap to move; calls are const.
class wasm_module {
public:
  /// Validates and prepares `code`; refuses anything outside the rules in docs/contracts.md.
  static wasm_result<wasm_module> load(byte_view code, const wasm_limits& limits = {});

  /// Runs exported function `name` on a fresh instance with at most `fuel` units
  /// (one per WebAssembly instruction, plus the host API's charges). fuel < 2^62.
  wasm_result<call_outcome> call(std::string_view name, const std::vector<wasm_value>& args,
                                 const call_context& ctx, std::uint64_t fuel) const;

  /// The exported function names, sorted.
  std::vector<std::string> exported_functions() const;

  wasm_module(wasm_module&&) noexcept;
  wasm_module& operator=(wasm_module&&) noexcept;
  ~wasm_module();

  struct prepared;  ///< wabt's module description plus our bookkeeping (wasm_engine.cpp)

private:
  explicit wasm_module(std::unique_ptr<prepared> p);
  std::unique_ptr<prepared> p_;
};

/// Fuel charged by the host API (consensus parameters, like the limits).
struct host_costs {
  static constexpr std::uint64_t base = 50;        ///< every host call
  static constexpr std::uint64_t per_byte = 1;     ///< every byte copied in or out
  static constexpr std::uint64_t state_write = 500;///< every state_put/state_del
  static constexpr std::uint64_t slot_call = 1000; ///< every slot_call, on top of the client's own fuel
};

} // namespace bfd::contracts
