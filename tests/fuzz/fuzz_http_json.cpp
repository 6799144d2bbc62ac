// Fuzz target: the HTTP edge's JSON body decoders, the functions the route handlers call
// (protocols/json.hpp, protocols/mailbox_json.hpp): POST /v1/txs (parse_transaction_submission),
// POST /v1/txs/batch (parse_transaction_batch), the payload JSON `bfd-cli tx sign` reads
// (parse_payload_submission) and the handshake mailbox's POST bodies (parse_mailbox_post, with and
// without "to"). Input: one selector byte, then the body. Properties: no crash or unbounded
// allocation (ASan, libFuzzer's malloc limit); a refusal carries a documented reason (a decoding
// reason 1xx, invalid_argument or bad_public_key) and a detail; what is accepted survives a round
// trip (a transaction through its canonical encoding and through transaction_json; a batch has 1 to
// max_batch_transactions items; a mailbox message is within its bound and reads back the same).
// The bare-hex fast path (bare_hex_submission) matches only bodies that a JSON parser reads as
// exactly {"hex": <those digits>}.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chains/codec/transaction_codec.hpp"
#include "chains/core/hex.hpp"
#include "protocols/json.hpp"
#include "protocols/mailbox_json.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace bfd;

/// The mailbox bound used here: small, so that the fuzzer reaches it.
constexpr std::size_t max_message = 64;

/// A documented refusal of a JSON body decoder.
void require_documented(const error& err) {
  fuzz::require(fuzz::is_decoding_error(err) || err.code == errc::invalid_argument || err.code == errc::bad_public_key,
                "a JSON body is refused with a decoding reason, invalid_argument or bad_public_key only");
  fuzz::require(!err.detail.empty(), "a refusal says what is wrong");
}

/// An accepted transaction re-encodes canonically and reads back the same through its JSON view.
void require_round_trip(const transaction& tx) {
  const bytes encoded = codec::encode(tx);
  auto decoded = codec::decode_transaction(encoded);
  fuzz::require(decoded && *decoded == tx, "an accepted transaction's canonical encoding decodes to it");
  auto again = parse_transaction_submission(json_text(transaction_json(tx)));
  fuzz::require(again && *again == tx, "an accepted transaction's JSON view reads back the same transaction");
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      if (auto hex = bare_hex_submission(body)) {
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(body);
        } catch (const nlohmann::json::exception&) {
          fuzz::require(false, "a body the bare-hex path takes is JSON");
        }
        fuzz::require(j.is_object() && j.size() == 1 && j.contains("hex") && j["hex"].is_string()
                        && j["hex"].get<std::string>() == *hex,
                      "a body the bare-hex path takes is {\"hex\": <the same digits>} as JSON");
      }
      auto tx = parse_transaction_submission(body);
      if (!tx)
        require_documented(tx.error());
      else
        require_round_trip(*tx);
      break;
    }
    case 1: {
      auto items = parse_transaction_batch(body);
      if (!items) {
        require_documented(items.error());
        break;
      }
      fuzz::require(!items->empty() && items->size() <= max_batch_transactions,
                    "an accepted batch has 1 to max_batch_transactions items");
      for (const auto& item : *items) {
        if (!item)
          require_documented(item.error());
        else
          require_round_trip(*item);
      }
      break;
    }
    case 2: {
      auto payload = parse_payload_submission(body);
      if (!payload)
        require_documented(payload.error());
      break;
    }
    default: {
      const auto payee = data[0] % 5 == 3 ? mailbox_payee::absent : mailbox_payee::required;
      auto post = parse_mailbox_post(body, max_message, payee);
      if (!post) {
        require_documented(post.error());
        break;
      }
      fuzz::require(post->message.size() <= max_message, "an accepted mailbox message is within its bound");
      std::string again = "{\"message\":\"" + to_hex(byte_view{post->message.data(), post->message.size()}) + "\"";
      if (payee == mailbox_payee::required)
        again += ",\"to\":\"" + format_address(post->to) + "\"";
      again += "}";
      auto back = parse_mailbox_post(again, max_message, payee);
      fuzz::require(back && back->message == post->message && back->to == post->to,
                    "an accepted mailbox body, written again, reads back the same");
      break;
    }
  }
  return 0;
}
