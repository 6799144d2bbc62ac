// Canonical encoding of the funds module's payloads (layout in docs/formats.md section 19:
// 42 [value], 43 [buyer, tokens], 44 [platform, timeout_height], 45 [tokens]).
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/funds_tx.hpp"

namespace bfd::codec {

void encode_payload(const fund_subscribe_tx& p, writer& w);
void encode_payload(const fund_trade_tx& p, writer& w);
void encode_payload(const fund_sweep_tx& p, writer& w);
void encode_payload(const fund_redeem_tx& p, writer& w);
result<fund_subscribe_tx> read_payload(const msgpack::object& obj, std::type_identity<fund_subscribe_tx>);
result<fund_trade_tx> read_payload(const msgpack::object& obj, std::type_identity<fund_trade_tx>);
result<fund_sweep_tx> read_payload(const msgpack::object& obj, std::type_identity<fund_sweep_tx>);
result<fund_redeem_tx> read_payload(const msgpack::object& obj, std::type_identity<fund_redeem_tx>);

} // namespace bfd::codec
