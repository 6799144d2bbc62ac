// The WebAssembly contract engine: the example contracts (WAT and C builds), fuel, the load-time
// refusals, the memory cap, host API bounds and determinism.
#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>

#include "chains/contracts/wasm_engine.hpp"
#include "tests/chains/wasm_support.hpp"

using namespace bfd;
using namespace bfd::contracts;

namespace {

using test::example;
using test::wat;

wasm_module load_ok(const bytes& code) {
  auto m = wasm_module::load(code);
  REQUIRE_MESSAGE(m.has_value(), m.error().message());
  return std::move(m.value());
}

wasm_error load_error(const bytes& code, const wasm_limits& limits = {}) {
  auto m = wasm_module::load(code, limits);
  REQUIRE_FALSE(m.has_value());
  return m.error();
}

address addr(byte fill) {
  address a;
  a.data.fill(fill);
  return a;
}

std::string hex_of(const bytes& b) {
  std::string out;
  for (auto x : b) out += fmt::format("{:02x}", x);
  return out;
}

bytes key_of(const std::string& s) { return bytes(s.begin(), s.end()); }

std::int64_t le64(const bytes& b) {
  REQUIRE(b.size() == 8);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[static_cast<std::size_t>(i)];
  return static_cast<std::int64_t>(v);
}

/// Applies a successful call's writes to the state, as the contract state module will.
void apply_writes(contract_state& state, const call_outcome& out) {
  for (const auto& [k, v] : out.writes) {
    if (v) state[k] = *v;
    else state.erase(k);
  }
}

bytes balance_key(const address& a) {
  bytes k{'b'};
  k.insert(k.end(), a.begin(), a.end());
  return k;
}

constexpr std::uint64_t fuel = 1'000'000;

} // namespace

TEST_CASE("counter increments persist through the state map (WAT and C builds)") {
  for (auto file : {"counter.wasm", "counter_c.wasm"}) {
    CAPTURE(file);
    auto m = load_ok(example(file));
    CHECK(m.exported_functions() == std::vector<std::string>{"get", "increment"});
    contract_state state;
    call_context ctx;
    ctx.caller = addr(1);
    ctx.state = &state;
    for (std::int64_t expect = 1; expect <= 3; ++expect) {
      auto out = m.call("increment", {}, ctx, fuel);
      REQUIRE_MESSAGE(out.has_value(), out.error().message());
      CHECK(out->results == std::vector<wasm_value>{wasm_value::i64(expect)});
      REQUIRE(out->writes.size() == 1);
      CHECK(out->fuel_used > host_costs::state_write);
      apply_writes(state, *out);
    }
    CHECK(le64(state.at(key_of("count"))) == 3);
    auto got = m.call("get", {}, ctx, fuel);
    REQUIRE(got.has_value());
    CHECK(got->results == std::vector<wasm_value>{wasm_value::i64(3)});
    CHECK(got->writes.empty());
  }
}

TEST_CASE("token send moves balances and emits an event; redeem records a transfer effect") {
  for (auto file : {"token.wasm", "token_c.wasm"}) {
    CAPTURE(file);
    auto m = load_ok(example(file));
    contract_state state;
    call_context ctx;
    ctx.caller = addr(0xaa);
    ctx.state = &state;
    ctx.balance = 1000;

    auto init = m.call("init", {wasm_value::i64(500)}, ctx, fuel);
    REQUIRE_MESSAGE(init.has_value(), init.error().message());
    CHECK(init->results == std::vector<wasm_value>{wasm_value::i32(0)});
    apply_writes(state, *init);
    CHECK(le64(state.at(balance_key(addr(0xaa)))) == 500);
    auto again = m.call("init", {wasm_value::i64(7)}, ctx, fuel);
    REQUIRE(again.has_value());
    CHECK(again->results == std::vector<wasm_value>{wasm_value::i32(1)});
    CHECK(again->writes.empty());

    auto to = addr(0xbb);
    ctx.input.assign(to.begin(), to.end());
    auto sent = m.call("send", {wasm_value::i64(120)}, ctx, fuel);
    REQUIRE_MESSAGE(sent.has_value(), sent.error().message());
    CHECK(sent->results == std::vector<wasm_value>{wasm_value::i32(0)});
    CHECK(sent->transfers.empty());
    REQUIRE(sent->events.size() == 1);
    bytes event(ctx.caller.begin(), ctx.caller.end());
    event.insert(event.end(), to.begin(), to.end());
    for (int i = 0; i < 8; ++i) event.push_back(static_cast<byte>(std::uint64_t{120} >> (8 * i)));
    CHECK(hex_of(sent->events[0]) == hex_of(event));
    apply_writes(state, *sent);
    CHECK(le64(state.at(balance_key(addr(0xaa)))) == 380);
    CHECK(le64(state.at(balance_key(to))) == 120);

    auto too_much = m.call("send", {wasm_value::i64(381)}, ctx, fuel);
    REQUIRE(too_much.has_value());
    CHECK(too_much->results == std::vector<wasm_value>{wasm_value::i32(1)});
    CHECK(too_much->writes.empty());
    CHECK(too_much->events.empty());

    ctx.input.clear();
    auto redeemed = m.call("redeem", {wasm_value::i64(300)}, ctx, fuel);
    REQUIRE_MESSAGE(redeemed.has_value(), redeemed.error().message());
    CHECK(redeemed->results == std::vector<wasm_value>{wasm_value::i32(0)});
    CHECK(redeemed->transfers == std::vector<transfer_effect>{{addr(0xaa), 300}});
    CHECK(le64(redeemed->writes.at(balance_key(addr(0xaa))).value()) == 80);

    // The contract holds only 200 native units: the transfer traps and nothing is returned.
    ctx.balance = 200;
    auto over = m.call("redeem", {wasm_value::i64(300)}, ctx, fuel);
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error().code == wasm_errc::trapped);
    CHECK(over.error().detail.find("exceeds the contract's remaining balance 200") != std::string::npos);
  }
}

TEST_CASE("an infinite loop is stopped by fuel with the reason") {
  auto m = load_ok(example("loop.wasm"));
  auto out = m.call("spin", {}, call_context{}, 100'000);
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == wasm_errc::out_of_fuel);
  CHECK(out.error().fuel_used == 100'000);
  CHECK(out.error().message() == "out_of_fuel: used all 100000 units");
}

TEST_CASE("fuel counts one unit per instruction, each loop iteration, and the host API's charges") {
  auto m = load_ok(wat(R"((module
    (import "bfd" "height" (func $height (result i64)))
    (func (export "add") (result i32) i32.const 1 i32.const 2 i32.add)
    (func (export "h") (result i64) call $height)
    (func (export "count") (param $n i32) (result i32)
      (local $i i32)
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (local.get $i)))
  )"));
  auto add = m.call("add", {}, {}, 100);
  REQUIRE(add.has_value());
  CHECK(add->results == std::vector<wasm_value>{wasm_value::i32(3)});
  CHECK(add->fuel_used == 3);
  call_context ctx;
  ctx.height = 77;
  auto h = m.call("h", {}, ctx, 100);
  REQUIRE(h.has_value());
  CHECK(h->results == std::vector<wasm_value>{wasm_value::i64(77)});
  CHECK(h->fuel_used == 1 + host_costs::base);
  auto ten = m.call("count", {wasm_value::i32(10)}, {}, 10'000);
  auto twenty = m.call("count", {wasm_value::i32(20)}, {}, 10'000);
  REQUIRE(ten.has_value());
  REQUIRE(twenty.has_value());
  // Each iteration is the same 9 instructions (4 for the test, 4 for the increment, br); the
  // entry and exit cost the same in both.
  CHECK(twenty->fuel_used - ten->fuel_used == 10 * 9);
  // Exactly enough fuel succeeds, one unit less runs out.
  CHECK(m.call("count", {wasm_value::i32(10)}, {}, ten->fuel_used).has_value());
  auto short_one = m.call("count", {wasm_value::i32(10)}, {}, ten->fuel_used - 1);
  REQUIRE_FALSE(short_one.has_value());
  CHECK(short_one.error().code == wasm_errc::out_of_fuel);
}

TEST_CASE("float types and opcodes are refused at load with the reason") {
  auto e = load_error(wat(R"((module (func (export "f") (result i32) f32.const 1.5 i32.trunc_f32_s)))"));
  CHECK(e.code == wasm_errc::float_refused);
  CHECK(e.message().find("float") != std::string::npos);
  CHECK(load_error(wat(R"((module (func (export "f") (param f64))))")).code == wasm_errc::float_refused);
  CHECK(load_error(wat(R"((module (func (local f32))))")).code == wasm_errc::float_refused);
  CHECK(load_error(wat(R"((module (global f64 (f64.const 0))))")).code == wasm_errc::float_refused);
  auto load = load_error(wat(R"((module (memory 1) (func (result i64) i32.const 0 f64.load i64.reinterpret_f64)))"));
  CHECK(load.code == wasm_errc::float_refused);
  CHECK(load.detail.find("f64.load") != std::string::npos);
  // Float-to-int saturation and SIMD are outside the accepted features: the reader refuses them.
  CHECK(load_error(wat(R"((module (func (result i32) i32.const 0 i32x4.splat i32x4.extract_lane 0)))")).code ==
        wasm_errc::malformed);
}

TEST_CASE("imports outside the host API are refused") {
  auto unknown = load_error(wat(R"((module (import "bfd" "random" (func (result i64)))))"));
  CHECK(unknown.code == wasm_errc::import_refused);
  CHECK(unknown.detail == "import \"bfd\".\"random\": not part of the host API");
  CHECK(load_error(wat(R"((module (import "env" "height" (func (result i64)))))")).code == wasm_errc::import_refused);
  auto sig = load_error(wat(R"((module (import "bfd" "height" (func (result i32)))))"));
  CHECK(sig.code == wasm_errc::import_refused);
  CHECK(sig.detail.find("does not match () -> (i64)") != std::string::npos);
  CHECK(load_error(wat(R"((module (import "bfd" "memory" (memory 1))))")).code == wasm_errc::import_refused);
  CHECK(load_error(wat(R"((module (import "bfd" "g" (global i32))))")).code == wasm_errc::import_refused);
}

TEST_CASE("memory is capped: declarations above the cap are refused and memory.grow past it fails") {
  auto grow = R"((module (memory 1 %s)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))))";
  char text[512];
  std::snprintf(text, sizeof text, grow, "");
  auto m = load_ok(wat(text));  // no maximum: the cap (16 pages) becomes it
  auto ok = m.call("grow", {wasm_value::i32(15)}, {}, 1000);
  REQUIRE(ok.has_value());
  CHECK(ok->results[0] == wasm_value::i32(1));  // previous size
  auto past = m.call("grow", {wasm_value::i32(16)}, {}, 1000);
  REQUIRE(past.has_value());
  CHECK(past->results[0] == wasm_value::i32(-1));
  std::snprintf(text, sizeof text, grow, "100");
  CHECK(load_error(wat(text)).code == wasm_errc::memory_refused);
  CHECK(load_error(wat(R"((module (memory 17)))")).code == wasm_errc::memory_refused);
  wasm_limits small;
  small.max_memory_pages = 1;  // the C examples declare 2 pages
  CHECK(load_error(example("counter_c.wasm"), small).code == wasm_errc::memory_refused);
}

TEST_CASE("the same call on fresh engines gives identical results and fuel") {
  for (auto file : {"token.wasm", "token_c.wasm"}) {
    CAPTURE(file);
    contract_state state{{balance_key(addr(0xaa)), bytes{0x10, 0x27, 0, 0, 0, 0, 0, 0}}};
    call_context ctx;
    ctx.caller = addr(0xaa);
    ctx.state = &state;
    ctx.balance = 5;
    auto to = addr(0xcc);
    ctx.input.assign(to.begin(), to.end());
    auto first = load_ok(example(file)).call("send", {wasm_value::i64(42)}, ctx, fuel);
    auto second = load_ok(example(file)).call("send", {wasm_value::i64(42)}, ctx, fuel);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    bool same = *first == *second;
    CHECK(same);
    CHECK(first->fuel_used == second->fuel_used);
    auto a = load_ok(example("loop.wasm")).call("spin", {}, ctx, 12345);
    auto b = load_ok(example("loop.wasm")).call("spin", {}, ctx, 12345);
    CHECK(a.error().message() == b.error().message());
  }
}

TEST_CASE("malformed and oversized bytes are refused cleanly") {
  CHECK(load_error(bytes{}).code == wasm_errc::malformed);
  CHECK(load_error(bytes{'n', 'o', 't', ' ', 'w', 'a', 's', 'm'}).code == wasm_errc::malformed);
  auto good = example("token.wasm");
  // Every truncation is refused with a reason, except those ending exactly on a section boundary,
  // which are smaller valid modules (the 8-byte header alone is the empty module).
  std::size_t loaded = 0;
  for (std::size_t n = 0; n < good.size(); ++n) {
    bytes prefix(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    auto m = wasm_module::load(prefix);
    if (m.has_value()) ++loaded;
    else CHECK_FALSE(m.error().detail.empty());
    if (n < 8) CHECK(m.error().code == wasm_errc::malformed);
  }
  CHECK(loaded >= 1);
  CHECK(loaded <= 12);
  bytes huge(256 * 1024 + 1, 0);
  auto e = load_error(huge);
  CHECK(e.code == wasm_errc::too_large);
  CHECK(e.detail == "module is 262145 bytes, at most 262144");
}

TEST_CASE("start functions, traps, deep recursion and host bounds end with clear errors") {
  CHECK(load_error(wat(R"((module (func $s) (start $s)))")).code == wasm_errc::start_refused);
  auto m = load_ok(wat(R"((module
    (import "bfd" "state_put" (func $put (param i32 i32 i32 i32)))
    (memory 1)
    (func (export "boom") unreachable)
    (func $down (export "down") (param i32) (result i32) (call $down (i32.add (local.get 0) (i32.const 1))))
    (func (export "bigkey") (call $put (i32.const 0) (i32.const 65) (i32.const 0) (i32.const 1)))
    (func (export "oob") (call $put (i32.const 65530) (i32.const 10) (i32.const 0) (i32.const 1)))
    (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0))))
  )"));
  auto boom = m.call("boom", {}, {}, 100);
  REQUIRE_FALSE(boom.has_value());
  CHECK(boom.error().message() == "trapped: unreachable executed");
  auto down = m.call("down", {wasm_value::i32(0)}, {}, 100'000'000);
  REQUIRE_FALSE(down.has_value());
  CHECK(down.error().code == wasm_errc::trapped);
  CHECK(down.error().detail.find("exhausted") != std::string::npos);
  auto big = m.call("bigkey", {}, {}, 10'000);
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().detail == "host state_put: state key of 65 bytes, at most 64");
  auto oob = m.call("oob", {}, {}, 10'000);
  REQUIRE_FALSE(oob.has_value());
  CHECK(oob.error().detail == "host state_put: state key outside memory");
  auto div = m.call("div", {wasm_value::i32(0)}, {}, 100);
  REQUIRE_FALSE(div.has_value());
  CHECK(div.error().detail == "integer divide by zero");
  CHECK(m.call("nope", {}, {}, 100).error().code == wasm_errc::no_such_export);
  CHECK(m.call("div", {wasm_value::i64(1)}, {}, 100).error().code == wasm_errc::bad_arguments);
  CHECK(m.call("div", {}, {}, 100).error().code == wasm_errc::bad_arguments);
}

// --- slots: a template's slot_call runs the client contract in its slot --------------------

namespace {

bytes le_bytes(std::uint64_t v) {
  bytes b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<byte>(v >> (8 * i)));
  return b;
}

/// A template that writes "t" = 1000 to its own state, then calls the slot's "adjust" with 1000
/// as input ("probe" returns slot_call's result); "twice" calls it two times.
const char* probe_wat = R"((module
  (import "bfd" "slot_call" (func $slot_call (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "bfd" "state_put" (func $state_put (param i32 i32 i32 i32)))
  (memory 1)
  (data (i32.const 0) "adjust")
  (data (i32.const 8) "t")
  (data (i32.const 16) "\e8\03\00\00\00\00\00\00")
  (func (export "probe") (result i32)
    (call $state_put (i32.const 8) (i32.const 1) (i32.const 16) (i32.const 8))
    (call $slot_call (i32.const 0) (i32.const 6) (i32.const 16) (i32.const 8) (i32.const 32) (i32.const 64)))
  (func (export "twice") (result i32)
    (drop (call $slot_call (i32.const 0) (i32.const 6) (i32.const 16) (i32.const 8) (i32.const 32) (i32.const 64)))
    (call $slot_call (i32.const 0) (i32.const 6) (i32.const 16) (i32.const 8) (i32.const 32) (i32.const 64))))
)";

/// A client "adjust" with the given body; the host functions it may use are imported.
bytes client_wat(const std::string& body) {
  return wat(R"((module
    (import "bfd" "state_get" (func $state_get (param i32 i32 i32 i32) (result i32)))
    (import "bfd" "state_put" (func $state_put (param i32 i32 i32 i32)))
    (import "bfd" "caller" (func $caller (param i32)))
    (import "bfd" "transfer" (func $transfer (param i32 i64)))
    (import "bfd" "output" (func $output (param i32 i32)))
    (import "bfd" "slot_call" (func $slot_call (param i32 i32 i32 i32 i32 i32) (result i32)))
    (memory 1)
    (data (i32.const 0) "t")
    (data (i32.const 8) "adjust")
    (func (export "adjust") )" + body + "))");
}

struct slot_fixture {
  wasm_module tmpl = load_ok(wat(probe_wat));
  contract_state tmpl_state;
  contract_state client_state;
  slot_binding binding;
  call_context ctx;

  explicit slot_fixture(const wasm_module* client) {
    binding.module = client;
    binding.self = addr(0xc1);
    binding.state = &client_state;
    ctx.caller = addr(0x01);
    ctx.self = addr(0x7e);
    ctx.state = &tmpl_state;
    ctx.slot = client ? &binding : nullptr;
  }
  wasm_result<call_outcome> probe(std::uint64_t budget = fuel) { return tmpl.call("probe", {}, ctx, budget); }
};

std::int32_t status_of(const call_outcome& out) {
  REQUIRE(out.results.size() == 1);
  return out.results[0].as_i32();
}

} // namespace

TEST_CASE("the commission template's run asks its slot client to adjust the commission (WAT and C builds)") {
  for (auto tfile : {"commission.wasm", "commission_c.wasm"})
    for (auto cfile : {"discount.wasm", "discount_c.wasm"}) {
      CAPTURE(tfile);
      CAPTURE(cfile);
      auto tmpl = load_ok(example(tfile));
      auto client = load_ok(example(cfile));
      contract_state tmpl_state{{key_of("p.bps"), le_bytes(250)}};                // 2.5 %
      contract_state client_state{{key_of("p.discount_bps"), le_bytes(2000)}};    // 20 % off
      slot_binding binding{&client, addr(0xc1), 0, &client_state};
      call_context ctx;
      ctx.caller = addr(0x01);
      ctx.self = addr(0x7e);
      ctx.state = &tmpl_state;

      // No client: the computed commission stands.
      auto alone = tmpl.call("run", {wasm_value::i64(1'000'000)}, ctx, fuel);
      REQUIRE_MESSAGE(alone.has_value(), alone.error().message());
      CHECK(alone->results == std::vector<wasm_value>{wasm_value::i64(25'000)});
      CHECK(alone->slot == slot_outcome{});

      ctx.slot = &binding;
      auto out = tmpl.call("run", {wasm_value::i64(1'000'000)}, ctx, fuel);
      REQUIRE_MESSAGE(out.has_value(), out.error().message());
      CHECK(out->results == std::vector<wasm_value>{wasm_value::i64(20'000)});
      CHECK(le64(out->writes.at(key_of("last")).value()) == 20'000);
      CHECK(out->writes.size() == 1);  // the client's keys are not the template's
      CHECK(out->slot.calls == 1);
      REQUIRE(out->slot.writes.size() == 2);
      CHECK(le64(out->slot.writes.at(key_of("calls")).value()) == 1);
      CHECK(hex_of(out->slot.writes.at(key_of("caller")).value()) == hex_of(bytes(ctx.self.begin(), ctx.self.end())));
      // The client's fuel is charged to the call.
      CHECK(out->fuel_used > alone->fuel_used + host_costs::state_write * 2);
    }
}

TEST_CASE("slot_call returns -1 without a client, -2 for a missing method, -3 for a client that traps") {
  slot_fixture none(nullptr);
  auto no_slot = none.probe();
  REQUIRE_MESSAGE(no_slot.has_value(), no_slot.error().message());
  CHECK(status_of(*no_slot) == static_cast<std::int32_t>(slot_status::no_slot));

  auto counter = load_ok(example("counter.wasm"));  // exports increment and get, no adjust
  slot_fixture missing(&counter);
  auto no_method = missing.probe();
  REQUIRE(no_method.has_value());
  CHECK(status_of(*no_method) == static_cast<std::int32_t>(slot_status::no_method));

  // The client writes, then traps: none of its writes apply, the template's own write does.
  auto trapper = load_ok(client_wat(R"(
    (call $state_put (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))
    unreachable)"));
  slot_fixture trapped(&trapper);
  auto failed = trapped.probe();
  REQUIRE_MESSAGE(failed.has_value(), failed.error().message());
  CHECK(status_of(*failed) == static_cast<std::int32_t>(slot_status::client_failed));
  CHECK(failed->slot == slot_outcome{});
  CHECK(failed->writes.count(key_of("t")) == 1);
  // Its fuel is still charged (the write's 500 units and more).
  CHECK(failed->fuel_used > no_slot->fuel_used + host_costs::state_write);
}

TEST_CASE("a slot client sees and writes only its own state; caller() is the template contract") {
  // The client reads "t" (a key of the template's state too), outputs and writes under its own
  // "t" what state_get returned, keeps caller().
  auto snoop = load_ok(client_wat(R"(
    (i32.store (i32.const 16) (call $state_get (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8)))
    (call $output (i32.const 16) (i32.const 4))
    (call $state_put (i32.const 0) (i32.const 1) (i32.const 16) (i32.const 4))
    (call $caller (i32.const 32))
    (call $state_put (i32.const 8) (i32.const 6) (i32.const 32) (i32.const 20)))"));
  slot_fixture f(&snoop);
  f.tmpl_state[key_of("t")] = le_bytes(7);
  auto out = f.probe();
  REQUIRE_MESSAGE(out.has_value(), out.error().message());
  CHECK(status_of(*out) == 4);  // the output's length
  // Neither the template's state nor its write of "t" in this call are visible: -1.
  CHECK(hex_of(out->slot.writes.at(key_of("t")).value()) == "ffffffff");
  CHECK(out->writes.size() == 1);
  CHECK(le64(out->writes.at(key_of("t")).value()) == 1000);
  CHECK(hex_of(out->slot.writes.at(key_of("adjust")).value()) == hex_of(bytes(f.ctx.self.begin(), f.ctx.self.end())));

  // With "t" in the client's own state, it reads its own value (8 bytes).
  f.client_state[key_of("t")] = le_bytes(9);
  auto own = f.probe();
  REQUIRE(own.has_value());
  CHECK(status_of(*own) == 4);
  CHECK(hex_of(own->slot.writes.at(key_of("t")).value()) == "08000000");
  CHECK(own->slot.calls == 1);
}

TEST_CASE("a second slot call sees the client's writes of the first") {
  auto discount = load_ok(example("discount.wasm"));
  slot_fixture f(&discount);
  auto out = f.tmpl.call("twice", {}, f.ctx, fuel);
  REQUIRE_MESSAGE(out.has_value(), out.error().message());
  CHECK(status_of(*out) == 8);
  CHECK(out->slot.calls == 2);
  CHECK(le64(out->slot.writes.at(key_of("calls")).value()) == 2);
}

TEST_CASE("a slot client shares the call's fuel: a looping client ends the whole call out of fuel") {
  auto spinner = load_ok(client_wat("(loop $l (br $l))"));
  slot_fixture f(&spinner);
  auto out = f.probe(50'000);
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == wasm_errc::out_of_fuel);
  CHECK(out.error().message() == "out_of_fuel: used all 50000 units");
}

TEST_CASE("a slot client cannot call slot_call itself, nor transfer more than its own balance") {
  auto nested = load_ok(client_wat(R"(
    (drop (call $slot_call (i32.const 8) (i32.const 6) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))"));
  slot_fixture depth(&nested);
  depth.binding.module = &nested;
  auto out = depth.probe();
  REQUIRE(out.has_value());
  CHECK(status_of(*out) == static_cast<std::int32_t>(slot_status::client_failed));
  // Called directly with a slot bound to itself, the same client's slot_call works: the refusal
  // is the nesting, not the import.
  call_context direct;
  slot_binding self_bound{&nested, addr(0xc2), 0, nullptr};
  direct.slot = &self_bound;
  CHECK(nested.call("adjust", {}, direct, fuel).has_value());

  auto payer = load_ok(client_wat(R"(
    (call $caller (i32.const 32))
    (call $transfer (i32.const 32) (i64.const 100)))"));
  slot_fixture pay(&payer);
  pay.ctx.balance = 1'000'000;  // the template's balance does not count
  pay.binding.balance = 99;
  auto poor = pay.probe();
  REQUIRE(poor.has_value());
  CHECK(status_of(*poor) == static_cast<std::int32_t>(slot_status::client_failed));
  CHECK(poor->slot.transfers.empty());
  pay.binding.balance = 100;
  auto paid = pay.probe();
  REQUIRE(paid.has_value());
  CHECK(status_of(*paid) == 0);
  CHECK(paid->slot.transfers == std::vector<transfer_effect>{{pay.ctx.self, 100}});
  CHECK(paid->transfers.empty());
}
