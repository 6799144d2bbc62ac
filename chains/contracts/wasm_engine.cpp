// The contract engine: load (bound, parse, validate, policy, instrument) and call on wabt's interpreter.
#include "chains/contracts/wasm_engine.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/stream.h>
#include <wabt/validator.h>

#include "chains/contracts/wasm_instrument.hpp"

namespace bfd::contracts {

std::string_view to_string(wasm_errc code) noexcept {
  switch (code) {
  case wasm_errc::too_large: return "too_large";
  case wasm_errc::malformed: return "malformed";
  case wasm_errc::invalid: return "invalid";
  case wasm_errc::float_refused: return "float_refused";
  case wasm_errc::import_refused: return "import_refused";
  case wasm_errc::memory_refused: return "memory_refused";
  case wasm_errc::start_refused: return "start_refused";
  case wasm_errc::limit_exceeded: return "limit_exceeded";
  case wasm_errc::no_such_export: return "no_such_export";
  case wasm_errc::bad_arguments: return "bad_arguments";
  case wasm_errc::out_of_fuel: return "out_of_fuel";
  case wasm_errc::trapped: return "trapped";
  }
  return "unknown";
}

std::string wasm_error::message() const {
  return detail.empty() ? std::string(to_string(code)) : fmt::format("{}: {}", to_string(code), detail);
}

namespace {

std::string first_error(const wabt::Errors& errors, std::string_view fallback) {
  if (errors.empty()) return std::string(fallback);
  return errors.front().message;
}

wasm_error fail(wasm_errc code, std::string detail, std::uint64_t fuel_used = 0) {
  return wasm_error{code, std::move(detail), fuel_used};
}

} // namespace

struct wasm_module::prepared {
  std::shared_ptr<const detail::interp_program> program;
  wasm_limits limits;
};

wasm_module::wasm_module(std::unique_ptr<prepared> p) : p_(std::move(p)) {}
wasm_module::wasm_module(wasm_module&&) noexcept = default;
wasm_module& wasm_module::operator=(wasm_module&&) noexcept = default;
wasm_module::~wasm_module() = default;

wasm_result<wasm_module> wasm_module::load(byte_view code, const wasm_limits& limits) {
  if (code.size() > limits.max_module_bytes)
    return fail(wasm_errc::too_large,
                fmt::format("module is {} bytes, at most {}", code.size(), limits.max_module_bytes));
  const auto features = detail::contract_features();
  // The interpreter's reader validates while it reads. It goes first because wabt 1.0.32's IR
  // reader aborts on an assertion with some malformed constant expressions (found by fuzz_wasm_load).
  {
    std::string why;
    if (!detail::interp_read(code.data(), code.size(), {}, 0, why))
      return fail(wasm_errc::malformed, why);
  }
  wabt::Errors errors;
  wabt::Module ir;
  wabt::ReadBinaryOptions read_opts(features, nullptr, false, true, false);
  if (wabt::Failed(wabt::ReadBinaryIr("contract", code.data(), code.size(), read_opts, &errors, &ir)))
    return fail(wasm_errc::malformed, first_error(errors, "unreadable module"));
  if (wabt::Failed(wabt::ValidateModule(&ir, &errors, wabt::ValidateOptions(features))))
    return fail(wasm_errc::invalid, first_error(errors, "validation failed"));
  if (auto refused = detail::check_policy(ir, limits)) return std::move(*refused);

  auto p = std::make_unique<prepared>();
  p->limits = limits;
  std::vector<std::size_t> hosts;
  for (const auto* imp : ir.imports)
    for (std::size_t h = 0; h < detail::host_api().size(); ++h)
      if (imp->field_name == detail::host_api()[h].name) hosts.push_back(h);
  auto fuel_global = detail::instrument_fuel(ir);

  // Back to bytes and into the interpreter's own form; the reader validates the result again.
  wabt::MemoryStream stream;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &ir, wabt::WriteBinaryOptions(features, true, false, false))))
    return fail(wasm_errc::invalid, "could not re-encode the instrumented module");
  const auto& out = stream.output_buffer().data;
  std::string why;
  p->program = detail::interp_read(out.data(), out.size(), std::move(hosts), fuel_global, why);
  if (!p->program) return fail(wasm_errc::invalid, "instrumented module refused: " + why);
  return wasm_module(std::move(p));
}

std::vector<std::string> wasm_module::exported_functions() const {
  auto names = detail::interp_exports(*p_->program);
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

/// The host API of one call: reads the context, collects writes and effects, charges fuel.
class host_session final : public detail::interp_host {
public:
  host_session(const call_context& ctx, const wasm_limits& limits) : ctx_(ctx), limits_(limits) {}

  call_outcome out;

  bool call(std::size_t index, const std::vector<std::uint64_t>& a, std::vector<std::uint64_t>& r,
            std::uint8_t* memory, std::uint64_t memory_size, std::int64_t& fuel, std::string& why) override {
    mem_ = memory;
    mem_size_ = memory_size;
    fuel_ = &fuel;
    why_ = &why;
    auto u32 = [&](std::size_t i) { return static_cast<std::uint32_t>(a[i]); };
    switch (index) {
    case 0: return input(u32(0), u32(1), r[0]);
    case 1: return state_get(u32(0), u32(1), u32(2), u32(3), r[0]);
    case 2: return state_put(u32(0), u32(1), u32(2), u32(3));
    case 3: return state_del(u32(0), u32(1));
    case 4: return caller(u32(0));
    case 5: return charge(host_costs::base) && (r[0] = ctx_.height, true);
    case 6: return transfer(u32(0), a[1]);
    case 7: return emit_event(u32(0), u32(1));
    case 8: return slot_call(u32(0), u32(1), u32(2), u32(3), u32(4), u32(5), r[0]);
    case 9: return output(u32(0), u32(1));
    }
    return refuse("unknown host function");
  }

private:
  bool refuse(std::string why) {
    *why_ = std::move(why);
    return false;
  }
  bool charge(std::uint64_t units) {
    *fuel_ -= static_cast<std::int64_t>(units);
    return *fuel_ >= 0 || refuse("out of fuel");
  }
  /// The memory range [ptr, ptr+len), or null when it is outside memory.
  std::uint8_t* range(std::uint32_t ptr, std::uint64_t len) {
    static std::uint8_t empty = 0;
    if (len == 0 && std::uint64_t{ptr} <= mem_size_) return mem_ ? mem_ + ptr : &empty;
    if (!mem_ || std::uint64_t{ptr} + len > mem_size_) return nullptr;
    return mem_ + ptr;
  }
  bool copy_in(std::uint32_t ptr, std::uint32_t len, std::size_t bound, const char* what, bytes& dst) {
    if (len > bound) return refuse(fmt::format("{} of {} bytes, at most {}", what, len, bound));
    auto* src = range(ptr, len);
    if (!src) return refuse(fmt::format("{} outside memory", what));
    dst.assign(src, src + len);
    return true;
  }
  bool copy_out(std::uint32_t ptr, const byte* src, std::size_t len, const char* what) {
    auto* dst = range(ptr, len);
    if (!dst) return refuse(fmt::format("{} buffer outside memory", what));
    if (len) std::memcpy(dst, src, len);
    return true;
  }
  std::optional<bytes> read_state(const bytes& key) const {
    if (auto it = out.writes.find(key); it != out.writes.end()) return it->second;
    if (ctx_.pending)
      if (auto it = ctx_.pending->find(key); it != ctx_.pending->end()) return it->second;
    if (ctx_.state)
      if (auto it = ctx_.state->find(key); it != ctx_.state->end()) return it->second;
    return std::nullopt;
  }
  bool write_state(bytes key, std::optional<bytes> value) {
    if (!out.writes.count(key) && out.writes.size() >= limits_.max_state_writes)
      return refuse(fmt::format("more than {} state keys written", limits_.max_state_writes));
    out.writes[std::move(key)] = std::move(value);
    return true;
  }

  bool input(std::uint32_t ptr, std::uint32_t cap, std::uint64_t& result) {
    auto n = std::min<std::size_t>(cap, ctx_.input.size());
    if (!charge(host_costs::base + n * host_costs::per_byte) || !copy_out(ptr, ctx_.input.data(), n, "input"))
      return false;
    result = ctx_.input.size();
    return true;
  }
  bool state_get(std::uint32_t kp, std::uint32_t kl, std::uint32_t vp, std::uint32_t cap, std::uint64_t& result) {
    bytes key;
    if (!copy_in(kp, kl, limits_.max_key_bytes, "state key", key)) return false;
    auto value = read_state(key);
    auto n = value ? std::min<std::size_t>(cap, value->size()) : 0;
    if (!charge(host_costs::base + (key.size() + n) * host_costs::per_byte)) return false;
    if (!value) {
      result = 0xffffffffu;  // -1 as an i32: no such key
      return true;
    }
    if (!copy_out(vp, value->data(), n, "state value")) return false;
    result = value->size();
    return true;
  }
  bool state_put(std::uint32_t kp, std::uint32_t kl, std::uint32_t vp, std::uint32_t vl) {
    bytes key, value;
    if (!copy_in(kp, kl, limits_.max_key_bytes, "state key", key) ||
        !copy_in(vp, vl, limits_.max_value_bytes, "state value", value))
      return false;
    if (!charge(host_costs::base + host_costs::state_write + (key.size() + value.size()) * host_costs::per_byte))
      return false;
    return write_state(std::move(key), std::move(value));
  }
  bool state_del(std::uint32_t kp, std::uint32_t kl) {
    bytes key;
    if (!copy_in(kp, kl, limits_.max_key_bytes, "state key", key)) return false;
    if (!charge(host_costs::base + host_costs::state_write + key.size() * host_costs::per_byte)) return false;
    return write_state(std::move(key), std::nullopt);
  }
  bool caller(std::uint32_t ptr) {
    return charge(host_costs::base + address::size() * host_costs::per_byte) &&
           copy_out(ptr, ctx_.caller.begin(), address::size(), "caller");
  }
  bool transfer(std::uint32_t ptr, std::uint64_t amount) {
    if (!charge(host_costs::base + address::size() * host_costs::per_byte)) return false;
    transfer_effect t;
    bytes to;
    if (!copy_in(ptr, address::size(), address::size(), "transfer address", to)) return false;
    if (amount == 0) return refuse("transfer of zero");
    if (out.transfers.size() >= limits_.max_transfers)
      return refuse(fmt::format("more than {} transfers", limits_.max_transfers));
    if (amount > ctx_.balance - transferred_)
      return refuse(fmt::format("transfer of {} exceeds the contract's remaining balance {}", amount,
                                ctx_.balance - transferred_));
    transferred_ += amount;
    std::copy(to.begin(), to.end(), t.to.begin());
    t.amount = amount;
    out.transfers.push_back(t);
    return true;
  }
  bool emit_event(std::uint32_t ptr, std::uint32_t len) {
    if (out.events.size() >= limits_.max_events) return refuse(fmt::format("more than {} events", limits_.max_events));
    bytes data;
    if (!copy_in(ptr, len, limits_.max_event_bytes, "event", data)) return false;
    if (!charge(host_costs::base + data.size() * host_costs::per_byte)) return false;
    out.events.push_back(std::move(data));
    return true;
  }
  bool output(std::uint32_t ptr, std::uint32_t len) {
    bytes data;
    if (!copy_in(ptr, len, limits_.max_output_bytes, "output", data)) return false;
    if (!charge(host_costs::base + data.size() * host_costs::per_byte)) return false;
    out.output = std::move(data);
    return true;
  }
  /// Runs the slot client's `method` on its own state with the fuel left; its effects join
  /// out.slot only when it returns normally and they fit this call's bounds.
  bool slot_call(std::uint32_t mp, std::uint32_t ml, std::uint32_t ip, std::uint32_t il, std::uint32_t op,
                 std::uint32_t cap, std::uint64_t& result) {
    if (ctx_.in_slot) return refuse("a slot contract cannot call slot_call (one level of nesting)");
    bytes method, in;
    if (!copy_in(mp, ml, limits_.max_slot_method_bytes, "slot method", method) ||
        !copy_in(ip, il, limits_.max_input_bytes, "slot input", in))
      return false;
    if (!range(op, cap)) return refuse("slot output buffer outside memory");
    if (!charge(host_costs::base + host_costs::slot_call + (method.size() + in.size()) * host_costs::per_byte))
      return false;
    const auto status = [&](slot_status s) {
      result = static_cast<std::uint32_t>(static_cast<std::int32_t>(s));
      return true;
    };
    if (!ctx_.slot || !ctx_.slot->module) return status(slot_status::no_slot);
    if (slot_calls_ >= limits_.max_slot_calls)
      return refuse(fmt::format("more than {} slot calls", limits_.max_slot_calls));
    ++slot_calls_;
    call_context inner;
    inner.caller = ctx_.self;
    inner.self = ctx_.slot->self;
    inner.height = ctx_.height;
    inner.balance = ctx_.slot->balance - slot_transferred_;
    inner.input = std::move(in);
    inner.state = ctx_.slot->state;
    inner.pending = &out.slot.writes;
    inner.in_slot = true;
    const std::string name(method.begin(), method.end());
    auto ran = ctx_.slot->module->call(name, {}, inner, static_cast<std::uint64_t>(*fuel_));
    if (!ran) {
      const auto& e = ran.error();
      if (e.code == wasm_errc::out_of_fuel) {
        *fuel_ = -1;  // the whole call is out of fuel: the engine reports out_of_fuel
        return refuse("out of fuel in the slot's " + name);
      }
      *fuel_ -= static_cast<std::int64_t>(e.fuel_used);
      if (e.code == wasm_errc::no_such_export || e.code == wasm_errc::bad_arguments)
        return status(slot_status::no_method);
      return status(slot_status::client_failed);
    }
    *fuel_ -= static_cast<std::int64_t>(ran->fuel_used);
    // The client's effects add up over this call's slot calls, under the same bounds as one call.
    std::size_t new_keys = 0;
    for (const auto& [k, v] : ran->writes) new_keys += out.slot.writes.count(k) ? 0 : 1;
    if (out.slot.writes.size() + new_keys > limits_.max_state_writes ||
        out.slot.events.size() + ran->events.size() > limits_.max_events ||
        out.slot.transfers.size() + ran->transfers.size() > limits_.max_transfers)
      return status(slot_status::client_failed);
    for (auto& [k, v] : ran->writes) out.slot.writes[k] = std::move(v);
    for (const auto& t : ran->transfers) {
      slot_transferred_ += t.amount;
      out.slot.transfers.push_back(t);
    }
    for (auto& e : ran->events) out.slot.events.push_back(std::move(e));
    ++out.slot.calls;
    const auto n = std::min<std::size_t>(cap, ran->output.size());
    if (!charge(n * host_costs::per_byte) || !copy_out(op, ran->output.data(), n, "slot output")) return false;
    result = ran->output.size();
    return true;
  }

  const call_context& ctx_;
  const wasm_limits& limits_;
  std::uint8_t* mem_ = nullptr;
  std::uint64_t mem_size_ = 0;
  std::int64_t* fuel_ = nullptr;
  std::string* why_ = nullptr;
  std::uint64_t transferred_ = 0;
  std::uint64_t slot_transferred_ = 0;  ///< by the slot's client, over this call's slot calls
  std::size_t slot_calls_ = 0;
};

} // namespace

wasm_result<call_outcome> wasm_module::call(std::string_view name, const std::vector<wasm_value>& args,
                                            const call_context& ctx, std::uint64_t fuel) const {
  if (fuel >= (std::uint64_t{1} << 62)) return fail(wasm_errc::bad_arguments, "fuel budget of 2^62 or more");
  if (ctx.input.size() > p_->limits.max_input_bytes)
    return fail(wasm_errc::bad_arguments,
                fmt::format("input of {} bytes, at most {}", ctx.input.size(), p_->limits.max_input_bytes));
  std::vector<std::uint64_t> bits;
  std::vector<bool> is_i64;
  for (const auto& v : args) {
    is_i64.push_back(v.kind == wasm_value::type::i64);
    bits.push_back(v.kind == wasm_value::type::i64 ? v.bits : (v.bits & 0xffffffffu));
  }
  host_session host(ctx, p_->limits);
  auto ran = detail::interp_call(*p_->program, name, bits, is_i64, static_cast<std::int64_t>(fuel), host);
  auto used = ran.fuel_left < 0 ? fuel : fuel - static_cast<std::uint64_t>(ran.fuel_left);
  using status = detail::interp_outcome::status;
  switch (ran.result) {
  case status::no_such_export: return fail(wasm_errc::no_such_export, ran.message);
  case status::bad_arguments: return fail(wasm_errc::bad_arguments, ran.message);
  case status::trapped:
    // The metering code traps with fuel below zero; nothing else can make it negative.
    if (ran.fuel_left < 0) return fail(wasm_errc::out_of_fuel, fmt::format("used all {} units", fuel), fuel);
    return fail(wasm_errc::trapped, ran.message, used);
  case status::ok: break;
  }
  auto out = std::move(host.out);
  out.fuel_used = used;
  for (std::size_t i = 0; i < ran.results.size(); ++i)
    out.results.push_back(ran.result_is_i64[i] ? wasm_value::i64(static_cast<std::int64_t>(ran.results[i]))
                                               : wasm_value::i32(static_cast<std::int32_t>(ran.results[i])));
  return out;
}

} // namespace bfd::contracts
