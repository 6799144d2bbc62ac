// `bfd-bench contract`: contract calls (counter, token send) vs native ledger transfers, and deploy time.
#include "tools/bfd-bench/contract_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chains/contracts/wasm_engine.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/ledger/ledger.hpp"
#include "tools/bfd-bench/bench_stats.hpp"

namespace bfd::bench {
namespace {

using clock_type = std::chrono::steady_clock;
using namespace bfd::contracts;

struct contract_options {
  std::size_t calls = 2'000;   ///< calls (and native transfers) per round
  std::size_t deploys = 100;   ///< loads of each module per round
  std::size_t rounds = 3;
  std::uint64_t fuel = 1'000'000;
  std::string examples = BFD_CONTRACTS_DIR;
  bool json_only = false;
};

result<bytes> read_module(const std::string& dir, const std::string& name) {
  std::ifstream in(dir + "/" + name, std::ios::binary);
  if (!in) return make_error(errc::io, fmt::format("cannot read {}/{} (see --examples)", dir, name));
  return bytes(std::istreambuf_iterator<char>(in), {});
}

address fill_address(byte b) {
  address a;
  a.data.fill(b);
  return a;
}

/// Calls `name` `n` times, applying each call's writes to `state`; seconds, or an error.
result<double> time_calls(const wasm_module& m, const char* name, std::vector<wasm_value> args, call_context ctx,
                          contract_state state, std::size_t n, std::uint64_t fuel, std::uint64_t& fuel_per_call) {
  ctx.state = &state;
  auto start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto out = m.call(name, args, ctx, fuel);
    if (!out) return make_error(errc::invalid_argument, fmt::format("{} call {}: {}", name, i, out.error().message()));
    for (auto& [k, v] : out->writes) {
      if (v) state[k] = *v;
      else state.erase(k);
    }
    fuel_per_call = out->fuel_used;
  }
  return seconds_since(start);
}

/// Native transfers signed before timing, applied to a fresh ledger (signatures already verified).
result<double> time_native(std::size_t n) {
  constexpr std::size_t accounts = 100;
  std::vector<key_pair> keys;
  std::vector<genesis_allocation> alloc;
  for (std::size_t i = 0; i < accounts; ++i) {
    secret_key s;
    byte seed[9] = {'c', 'o', 'n', 't', 'r', 'a', 'c', 't', static_cast<byte>(i)};
    s.data = sha256(byte_view{seed, sizeof seed}).data;
    auto k = key_pair_from_secret(s);
    if (!k) return k.error();
    keys.push_back(*k);
    alloc.push_back({address_of(k->pub), 1'000'000 * units_per_bfdt});
  }
  auto genesis = ledger::from_genesis(mainchain_id, alloc);
  if (!genesis) return genesis.error();
  std::vector<transaction> txs;
  hash256 aux;
  for (std::size_t i = 0; i < n; ++i) {
    transaction tx;
    tx.chain = mainchain_id;
    tx.nonce = i / accounts;
    tx.fee = 10'000;
    tx.expiry = 1'000'000;
    tx.payload = transfer_payload{alloc[(i + 1) % accounts].to, 1'000};
    sign_transaction(tx, keys[i % accounts], aux);
    txs.push_back(std::move(tx));
  }
  ledger state = *genesis;
  auto producer = fill_address(0x77);
  auto start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i)
    if (auto st = state.apply(txs[i], 1, producer, signature_check::already_verified); !st)
      return make_error(errc::invalid_argument, fmt::format("native transfer {}: {}", i, st.error().message()));
  return seconds_since(start);
}

struct figures {
  double counter_per_s = 0, token_per_s = 0, native_per_s = 0;
  double counter_deploy_us = 0, token_deploy_us = 0;
  std::uint64_t counter_fuel = 0, token_fuel = 0;
};

int run(const contract_options& o) {
  auto counter_code = read_module(o.examples, "counter.wasm");
  auto token_code = read_module(o.examples, "token.wasm");
  if (!counter_code || !token_code) {
    fmt::print(stderr, "bfd-bench: {}\n", (!counter_code ? counter_code : token_code).error().message());
    return 1;
  }
  std::vector<double> counter, token, native, counter_deploy, token_deploy;
  figures f;
  for (std::size_t round = 0; round < o.rounds; ++round) {
    for (auto [code, out] : {std::pair{&*counter_code, &counter_deploy}, std::pair{&*token_code, &token_deploy}}) {
      auto start = clock_type::now();
      for (std::size_t i = 0; i < o.deploys; ++i)
        if (auto m = wasm_module::load(*code); !m) {
          fmt::print(stderr, "bfd-bench: deploy: {}\n", m.error().message());
          return 1;
        }
      out->push_back(seconds_since(start) * 1e6 / static_cast<double>(o.deploys));
    }
    auto cm = wasm_module::load(*counter_code);
    auto tm = wasm_module::load(*token_code);
    call_context ctx;
    ctx.caller = fill_address(0xaa);
    auto c = time_calls(*cm, "increment", {}, ctx, {}, o.calls, o.fuel, f.counter_fuel);
    // The caller holds the whole supply and sends 1 unit per call to one recipient.
    bytes key{'b'};
    key.insert(key.end(), ctx.caller.begin(), ctx.caller.end());
    contract_state token_state{{key, bytes{0, 0, 0, 0, 0, 0, 0, 1}}};
    auto to = fill_address(0xbb);
    ctx.input.assign(to.begin(), to.end());
    auto t = time_calls(*tm, "send", {wasm_value::i64(1)}, ctx, token_state, o.calls, o.fuel, f.token_fuel);
    auto n = time_native(o.calls);
    for (auto* r : {&c, &t, &n})
      if (!*r) {
        fmt::print(stderr, "bfd-bench: {}\n", r->error().message());
        return 1;
      }
    counter.push_back(static_cast<double>(o.calls) / *c);
    token.push_back(static_cast<double>(o.calls) / *t);
    native.push_back(static_cast<double>(o.calls) / *n);
  }
  f.counter_per_s = median(counter);
  f.token_per_s = median(token);
  f.native_per_s = median(native);
  f.counter_deploy_us = median(counter_deploy);
  f.token_deploy_us = median(token_deploy);

  if (!o.json_only) {
    fmt::print("bfd-bench contract: {} calls per figure, {} deploys, one thread, median of {} rounds\n\n", o.calls,
               o.deploys, o.rounds);
    fmt::print("{:<44}{:>12}{:>12}{:>10}\n", "", "per s", "us each", "fuel");
    auto row = [](const char* label, double per_s, std::uint64_t fuel) {
      fmt::print("{:<44}{:>12.0f}{:>12.2f}{:>10}\n", label, per_s, 1e6 / per_s, fuel ? std::to_string(fuel) : "");
    };
    row("counter increment (wasm, state applied)", f.counter_per_s, f.counter_fuel);
    row("token send (wasm, state applied, 1 event)", f.token_per_s, f.token_fuel);
    row("native transfer (ledger apply, verified)", f.native_per_s, 0);
    fmt::print("{:<44}{:>12}{:>12.1f}\n", "deploy counter.wasm (load + validate)", "", f.counter_deploy_us);
    fmt::print("{:<44}{:>12}{:>12.1f}\n", "deploy token.wasm (load + validate)", "", f.token_deploy_us);
    fmt::print("\nnative / counter: {:.1f}x   native / token: {:.1f}x\n", f.native_per_s / f.counter_per_s,
               f.native_per_s / f.token_per_s);
  }
  nlohmann::ordered_json j;
  j["bench"] = "contract";
  j["calls"] = o.calls;
  j["rounds"] = o.rounds;
  j["counter_calls_per_s"] = std::llround(f.counter_per_s);
  j["token_calls_per_s"] = std::llround(f.token_per_s);
  j["native_transfers_per_s"] = std::llround(f.native_per_s);
  j["counter_fuel_per_call"] = f.counter_fuel;
  j["token_fuel_per_call"] = f.token_fuel;
  j["counter_deploy_us"] = std::round(f.counter_deploy_us * 10) / 10;
  j["token_deploy_us"] = std::round(f.token_deploy_us * 10) / 10;
  fmt::print("{}\n", j.dump());
  return 0;
}

} // namespace

bench_command add_contract_command(CLI::App& app) {
  auto options = std::make_shared<contract_options>();
  auto* cmd = app.add_subcommand(
    "contract", "WebAssembly contracts on wabt's interpreter, one thread: calls per second of the example counter "
                "(increment) and token (send) with their state writes applied, native transfers applied to the "
                "ledger in the same run, and deploy (load + validate + instrument) time per module");
  cmd->add_option("--calls", options->calls, "Calls of each contract, and native transfers, per round")
    ->check(CLI::Range(1, 10'000'000))
    ->capture_default_str();
  cmd->add_option("--deploys", options->deploys, "Loads of each module per round")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  cmd->add_option("--examples", options->examples, "Directory of the example .wasm files")->capture_default_str();
  add_round_options(cmd, options->rounds, options->json_only);
  return {cmd, [options] { return run(*options); }};
}

} // namespace bfd::bench
