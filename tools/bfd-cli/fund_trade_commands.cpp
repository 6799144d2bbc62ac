// `bfd-cli fund ...`: a fund chain's funds module (docs/funds.md): read it (show, holders) and
// sign and submit its kinds (subscribe, trade, sweep, redeem), each waited to finality.
#include <memory>

#include <fmt/format.h>

#include "chains/core/amount.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/funds_tx.hpp"
#include "runtime/transfer.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/node_client.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct fund_options : tx_options {
  fund_options() {
    fee_text = "0";
    timeout_text = "60";
  }
  std::string value_text;
  std::string buyer;
  std::string tokens_text;
  std::string platform;
  std::string timeout_height_text;
};

command_result fail_on(const error& e, const std::string& option) {
  return to_command_result(make_error(e.code, option + ": " + e.detail));
}

command_result run_subscribe(const fund_options& o) {
  auto v = parse_amount(o.value_text);
  if (!v)
    return fail_on(v.error(), "--value");
  return sign_and_submit(o, fund_subscribe_tx{*v}, "fund subscribe");
}

command_result run_trade(const fund_options& o) {
  auto b = parse_address(o.buyer);
  if (!b)
    return fail_on(b.error(), "--buyer");
  auto t = parse_amount(o.tokens_text);
  if (!t)
    return fail_on(t.error(), "--tokens");
  return sign_and_submit(o, fund_trade_tx{*b, *t}, "fund trade");
}

command_result run_sweep(const fund_options& o) {
  auto a = parse_address(o.platform);
  if (!a)
    return fail_on(a.error(), "--platform");
  auto h = parse_uint("--timeout-height", o.timeout_height_text, UINT64_MAX);
  if (!h)
    return to_command_result(h.error());
  return sign_and_submit(o, fund_sweep_tx{*a, *h}, "fund sweep");
}

command_result run_redeem(const fund_options& o) {
  auto t = parse_amount(o.tokens_text);
  if (!t)
    return fail_on(t.error(), "--tokens");
  return sign_and_submit(o, fund_redeem_tx{*t}, "fund redeem");
}

} // namespace

void add_fund_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* fund = app.add_subcommand("fund", "Funds on a fund (DAOS) chain: subscribe, trade, sweep the platform's "
                                          "commission, redeem; the summary and holders (docs/funds.md)");
  auto* show = fund->add_subcommand("show", "Print the fund's reconciled summary (GET /v1/chains/{id}/funds)");
  add_network_options(*show, net);
  show->callback([&outcome, &net] { outcome = print_chain_route(net, "/funds"); });

  auto from = std::make_shared<std::string>();
  auto* holders = fund->add_subcommand("holders", "Print a page (at most 100) of holders, in address order");
  holders->add_option("--from", *from, "The address after which the page starts")->type_name("ADDR");
  add_network_options(*holders, net);
  holders->callback([from, &outcome, &net] {
    if (!from->empty())
      if (auto a = parse_address(*from); !a) {
        outcome = fail_on(a.error(), "--from");
        return;
      }
    outcome = print_chain_route(net, "/funds/holders" + (from->empty() ? std::string() : "?from=" + *from));
  });

  struct kind {
    const char* name;
    const char* help;
    const char* key_help;
  };
  auto add_kind = [&](const kind& k, const std::shared_ptr<fund_options>& o) {
    auto* c = fund->add_subcommand(k.name, k.help);
    add_tx_options(*c, *o, k.key_help);
    add_network_options(*c, net);
    return c;
  };

  auto so = std::make_shared<fund_options>();
  auto* sub = add_kind({"subscribe", "Pay BFDT vouchers into the fund's escrow for fund tokens at the current rate",
                        "Key file of the investor (a member at the fund's level)"},
                       so);
  sub->add_option("--value", so->value_text, "BFDT to pay (\"40\" or base units \"4000000000u\")")
    ->type_name("AMOUNT")
    ->required();
  sub->callback([so, &outcome, &net] {
    so->net = net;
    outcome = run_subscribe(*so);
  });

  auto to = std::make_shared<fund_options>();
  auto* trade = add_kind({"trade", "Sell fund tokens to an eligible member; the commission comes out of them",
                          "Key file of the seller"},
                         to);
  trade->add_option("--buyer", to->buyer, "The buyer's address (a member at the fund's level)")
    ->type_name("ADDR")
    ->required();
  trade->add_option("--tokens", to->tokens_text, "Fund tokens sold (\"10\" or base units)")->type_name("AMOUNT")->required();
  trade->callback([to, &outcome, &net] {
    to->net = net;
    outcome = run_trade(*to);
  });

  auto wo = std::make_shared<fund_options>();
  auto* sweep = add_kind({"sweep", "Convert the platform's pending commission into BFDT from the escrow and send it "
                                   "over the peg to the platform's mainchain account",
                          "Key file of the fund exchange (write on service 1)"},
                         wo);
  sweep->add_option("--platform", wo->platform, "The platform's mainchain address")->type_name("ADDR")->required();
  sweep->add_option("--timeout-height", wo->timeout_height_text,
                    "Mainchain height by which the transfer must be received (else refunded to the escrow)")
    ->type_name("HEIGHT")
    ->required();
  sweep->callback([wo, &outcome, &net] {
    wo->net = net;
    outcome = run_sweep(*wo);
  });

  auto ro = std::make_shared<fund_options>();
  auto* redeem = add_kind({"redeem", "Burn fund tokens for their share of the escrow's BFDT (liquidation)",
                           "Key file of the holder"},
                          ro);
  redeem->add_option("--tokens", ro->tokens_text, "Fund tokens to redeem")->type_name("AMOUNT")->required();
  redeem->callback([ro, &outcome, &net] {
    ro->net = net;
    outcome = run_redeem(*ro);
  });
}

} // namespace bfd::cli
