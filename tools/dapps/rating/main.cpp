// bfd-rating: the fund rating DApp (docs/dapps.md): its service-desk contract on chain 3, registered as FRT.
#include "tools/dapps/kit/dapp_kit.hpp"

int main(int argc, char** argv) {
  using namespace bfd::dapps;
  static const dapp_profile profile{"bfd-rating", "fund rating", "FRT", 3, "percent:250", 1'000'000'000, true};
  standard_names names;
  names.request = "request";
  names.request_help = "Request a rating of a fund (members of the fund only)";
  names.answer = "publish";
  names.answer_help = "Publish the analyst's rating of a requested fund (the operator)";
  names.payload_option = "--note";
  names.payload_help = "What the rating should cover (text)";
  names.result_option = "--rating";
  names.result_help = "The rating, e.g. AA (text)";
  names.payload_hex = false;
  names.with_answer = true;
  CLI::App app{"bfd-rating: the fund rating system-service DApp (chain 3), a client of the node's HTTP API"};
  std::optional<command_result> outcome;
  add_standard_commands(app, profile, names, outcome);
  return run_app(app, profile, outcome, argc, argv);
}
