// bfd-media: the media service DApp (docs/dapps.md): its service-desk contract on chain 5, registered as MED.
#include "tools/dapps/kit/dapp_kit.hpp"

int main(int argc, char** argv) {
  using namespace bfd::dapps;
  static const dapp_profile profile{"bfd-media", "media service", "MED", 5, "fixed:1000000", 10'000'000, false};
  standard_names names;
  names.request = "publish";
  names.request_help = "Publish a document hash for a fund (anyone)";
  names.answer = "answer";
  names.answer_help = "unused";
  names.payload_option = "--hash";
  names.payload_help = "The document's SHA-256 (64 hex characters)";
  names.result_option = "--text";
  names.result_help = "unused";
  names.payload_hex = true;
  names.with_answer = false;
  CLI::App app{"bfd-media: the media service system-service DApp (chain 5), a client of the node's HTTP API"};
  std::optional<command_result> outcome;
  add_standard_commands(app, profile, names, outcome);
  return run_app(app, profile, outcome, argc, argv);
}
