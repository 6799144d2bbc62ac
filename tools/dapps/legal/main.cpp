// bfd-legal: the legal service DApp (docs/dapps.md): its service-desk contract on chain 4, registered as LGL.
#include "tools/dapps/kit/dapp_kit.hpp"

int main(int argc, char** argv) {
  using namespace bfd::dapps;
  static const dapp_profile profile{"bfd-legal", "legal service", "LGL", 4, "fixed:50000000", 200'000'000, true};
  standard_names names;
  names.request = "review";
  names.request_help = "Request a legal review of a fund's document (members of the fund only)";
  names.answer = "result";
  names.answer_help = "Publish the review's result (the operator)";
  names.payload_option = "--document";
  names.payload_help = "The document to review: a name or URI (text)";
  names.result_option = "--verdict";
  names.result_help = "The review's result (text)";
  names.payload_hex = false;
  names.with_answer = true;
  CLI::App app{"bfd-legal: the legal service system-service DApp (chain 4), a client of the node's HTTP API"};
  std::optional<command_result> outcome;
  add_standard_commands(app, profile, names, outcome);
  return run_app(app, profile, outcome, argc, argv);
}
