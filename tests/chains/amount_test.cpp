// Amounts and hex: exact parsing and formatting of user-supplied text.
#include <doctest/doctest.h>

#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"

using namespace bfd;

TEST_CASE("amounts parse exactly without floating point") {
  CHECK(*parse_amount("1") == 100'000'000);
  CHECK(*parse_amount("1.5") == 150'000'000);
  CHECK(*parse_amount("0.00000001") == 1);
  CHECK(*parse_amount("150u") == 150);
  CHECK(*parse_amount("184467440737.09551615") == UINT64_MAX);
}

TEST_CASE("bad amounts are rejected with bad_amount") {
  for (auto text : {"", ".", "1.", ".5", "1.123456789", "-1", "1e8", "abc", "u", "184467440737.09551616",
                    "99999999999999999999u", "1.5u"}) {
    INFO(text);
    auto r = parse_amount(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::bad_amount);
  }
}

TEST_CASE("amounts format back to their shortest text") {
  CHECK(format_amount(150'000'000) == "1.5");
  CHECK(format_amount(1) == "0.00000001");
  CHECK(format_amount(0) == "0");
  CHECK(format_amount(UINT64_MAX) == "184467440737.09551615");
  for (amount a : {amount{0}, amount{7}, amount{123456789}, UINT64_MAX})
    CHECK(*parse_amount(format_amount(a)) == a);
}

TEST_CASE("checked arithmetic reports overflow instead of wrapping") {
  CHECK_FALSE(checked_add(UINT64_MAX, 1));
  CHECK(*checked_add(UINT64_MAX - 1, 1) == UINT64_MAX);
  CHECK_FALSE(checked_sub(1, 2));
  CHECK_FALSE(checked_mul(UINT64_MAX / 2 + 1, 2));
}

TEST_CASE("hex round-trips and rejects bad digits and odd lengths") {
  bytes raw{0x00, 0xab, 0xff};
  CHECK(to_hex(raw) == "00abff");
  CHECK(*from_hex("00ABff") == raw);
  CHECK(*from_hex("0x00abff") == raw);
  CHECK(from_hex("abc").error().code == errc::bad_hex);
  CHECK(from_hex("zz").error().code == errc::bad_hex);
  CHECK(fixed_from_hex<2>("00ab00").error().code == errc::bad_hex);
}
