// bfd-consulting: the financial consulting DApp (docs/dapps.md): its service-desk contract on chain 6, registered as FCS.
#include "tools/dapps/kit/dapp_kit.hpp"

int main(int argc, char** argv) {
  using namespace bfd::dapps;
  static const dapp_profile profile{"bfd-consulting", "financial consulting", "FCS", 6, "expr:clamp(bp(amount, 100), 10_000, 5_000_000)", 100'000'000, true};
  standard_names names;
  names.request = "ask";
  names.request_help = "Ask the consultants a question about a fund (members of the fund only)";
  names.answer = "answer";
  names.answer_help = "Answer a question (the operator)";
  names.payload_option = "--question";
  names.payload_help = "The question (text)";
  names.result_option = "--text";
  names.result_help = "The answer (text)";
  names.payload_hex = false;
  names.with_answer = true;
  CLI::App app{"bfd-consulting: the financial consulting system-service DApp (chain 6), a client of the node's HTTP API"};
  std::optional<command_result> outcome;
  add_standard_commands(app, profile, names, outcome);
  return run_app(app, profile, outcome, argc, argv);
}
