// Fee expressions: the grammar and its precedence, every refusal and failure with its column, the
// bounds at and just past their limits, and a property test against a reference evaluator that
// works on a syntax tree with 128-bit arithmetic instead of the parser's flat checked nodes.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chains/services/fee_expr.hpp"

using namespace bfd;
using namespace bfd::services;

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

fee_program parse_ok(std::string_view text) {
  auto p = parse_fee_expression(text);
  REQUIRE_MESSAGE(p.has_value(), std::string(text) << ": " << p.error().message());
  return std::move(p.value());
}

std::uint64_t eval_ok(std::string_view text, const fee_inputs& in = {}) {
  auto p = parse_ok(text);
  auto r = evaluate(p, in);
  REQUIRE_MESSAGE(r.has_value(), std::string(text) << ": " << r.error().message());
  return *r;
}

/// The refusal of `text`: its code must be fee_function_refused; returns the detail.
std::string refusal(std::string_view text) {
  auto p = parse_fee_expression(text);
  REQUIRE_FALSE_MESSAGE(p.has_value(), std::string(text) << " parsed");
  CHECK(p.error().code == errc::fee_function_refused);
  return p.error().detail;
}

/// The evaluation failure of `text` on `in`: the code must be fee_function_failed.
std::string failure(std::string_view text, const fee_inputs& in = {}) {
  auto p = parse_ok(text);
  auto r = evaluate(p, in);
  REQUIRE_FALSE_MESSAGE(r.has_value(), std::string(text) << " evaluated to " << *r);
  CHECK(r.error().code == errc::fee_function_failed);
  return r.error().detail;
}

} // namespace

TEST_CASE("fee expressions read literals, variables and functions") {
  CHECK(eval_ok("0") == 0);
  CHECK(eval_ok("42") == 42);
  CHECK(eval_ok("1_000_000") == 1'000'000);
  CHECK(eval_ok("18446744073709551615") == u64_max);
  CHECK(eval_ok("18_446_744_073_709_551_615") == u64_max);
  const fee_inputs in{.amount = 1'000, .height = 77, .calls = 5, .units = 3};
  CHECK(eval_ok("amount", in) == 1'000);
  CHECK(eval_ok("height", in) == 77);
  CHECK(eval_ok("calls", in) == 5);
  CHECK(eval_ok("units", in) == 3);
  CHECK(eval_ok("min(amount, 10)", in) == 10);
  CHECK(eval_ok("max(amount, 10)", in) == 1'000);
  CHECK(eval_ok("clamp(amount, 10, 500)", in) == 500);
  CHECK(eval_ok("clamp(amount, 2_000, 5_000)", in) == 2'000);
  CHECK(eval_ok("clamp(amount, 10, 5_000)", in) == 1'000);
  CHECK(eval_ok("bp(amount, 250)", in) == 25);
  CHECK(eval_ok("bp(39, 250)") == 0);  // 0.975 rounds down
  CHECK(eval_ok("if(calls < 10, 1, 2)", in) == 1);
  CHECK(eval_ok("if(0, 1, 2)") == 2);
  CHECK(eval_ok("if(7, 1, 2)") == 1);  // any nonzero condition is true
  CHECK(eval_ok("  amount*2  ", in) == 2'000);
  CHECK(eval_ok("(((amount)))", in) == 1'000);
}

TEST_CASE("comparisons give 0 or 1") {
  CHECK(eval_ok("3 < 4") == 1);
  CHECK(eval_ok("4 < 4") == 0);
  CHECK(eval_ok("4 <= 4") == 1);
  CHECK(eval_ok("5 > 4") == 1);
  CHECK(eval_ok("4 >= 5") == 0);
  CHECK(eval_ok("4 == 4") == 1);
  CHECK(eval_ok("4 != 4") == 0);
  CHECK(eval_ok("(1 < 2) + (2 < 3) + (3 == 3)") == 3);
}

TEST_CASE("precedence: * / % bind tighter than + -, which bind tighter than comparisons; left to right") {
  CHECK(eval_ok("2 + 3 * 4") == 14);
  CHECK(eval_ok("(2 + 3) * 4") == 20);
  CHECK(eval_ok("10 - 2 - 3") == 5);
  CHECK(eval_ok("10 - (3 - 2 + 2)") == 7);
  CHECK(eval_ok("100 / 10 / 2") == 5);
  CHECK(eval_ok("100 / (10 / 2)") == 20);
  CHECK(eval_ok("7 % 4 * 2") == 6);
  CHECK(eval_ok("2 * 7 % 4") == 2);
  CHECK(eval_ok("1 + 2 < 4") == 1);
  CHECK(eval_ok("1 + 2 * 3 == 7") == 1);
  CHECK(eval_ok("20 - 4 / 2 * 3") == 14);
}

TEST_CASE("if evaluates only the branch its condition chooses") {
  const auto text = "if(amount == 0, 0, 1_000_000 / amount)";
  CHECK(eval_ok(text, {.amount = 0}) == 0);
  CHECK(eval_ok(text, {.amount = 8}) == 125'000);
  CHECK(eval_ok("if(1, 5, 1 - 2)") == 5);
  CHECK(failure("if(0, 5, 1 - 2)") == "column 12: 1 - 2 is below 0");
  CHECK(failure("if(1 / 0, 5, 6)") == "column 6: 1 / 0: division by zero");
}

TEST_CASE("bp computes x * bp / 10000 through 128 bits") {
  CHECK(eval_ok("bp(18446744073709551615, 10_000)") == u64_max);
  CHECK(eval_ok("bp(18446744073709551615, 5_000)") == u64_max / 2);
  CHECK(eval_ok("bp(10_000_000_000_000_000_000, 1)") == 1'000'000'000'000'000);
  CHECK(failure("bp(18446744073709551615, 10_001)") == "column 1: bp(18446744073709551615, 10001) is above 2^64-1");
}

TEST_CASE("arithmetic failures say what failed and where") {
  CHECK(failure("18446744073709551615 + 1") == "column 22: 18446744073709551615 + 1 is above 2^64-1");
  CHECK(failure("amount * 2", {.amount = u64_max / 2 + 1}) == "column 8: 9223372036854775808 * 2 is above 2^64-1");
  CHECK(failure("units - 3", {.units = 2}) == "column 7: 2 - 3 is below 0");
  CHECK(failure("amount / calls", {.amount = 5}) == "column 8: 5 / 0: division by zero");
  CHECK(failure("amount % calls", {.amount = 5}) == "column 8: 5 % 0: modulo by zero");
  CHECK(failure("clamp(amount, 10, 5)") == "column 1: clamp with low bound 10 above high bound 5");
  // The first failure met in evaluation order is the one reported.
  CHECK(failure("(1 - 2) + (3 / 0)") == "column 4: 1 - 2 is below 0");
  // At the edges the values are exact, not failures.
  CHECK(eval_ok("18446744073709551614 + 1") == u64_max);
  CHECK(eval_ok("amount - amount", {.amount = u64_max}) == 0);
  CHECK(eval_ok("4294967296 * 4294967295") == 18'446'744'069'414'584'320ull);
}

TEST_CASE("syntax errors are refused with the column") {
  CHECK(refusal("") == "column 1: empty fee expression");
  CHECK(refusal("amount\t+ 1") == "column 7: byte 0x09 is not printable ASCII");
  CHECK(refusal("amount + \xc3\xa9") == "column 10: byte 0xc3 is not printable ASCII");
  CHECK(refusal("amount & 1") == "column 8: unexpected character '&'");
  CHECK(refusal("amount = 1") == "column 8: '=' is not an operator (comparison is '==')");
  CHECK(refusal("!amount") == "column 1: '!' is not an operator (inequality is '!=')");
  CHECK(refusal("007") == "column 1: a number may not start with 0");
  CHECK(refusal("18446744073709551616") == "column 1: number 18446744073709551616 is above 2^64-1");
  CHECK(refusal("99999999999999999999999") == "column 1: number 99999999999999999999999 is above 2^64-1");
  CHECK(refusal("1__000") == "column 3: two '_' in a row in a number");
  CHECK(refusal("1000_") == "column 5: a number may not end with '_'");
  CHECK(refusal("_1000") == "column 1: unknown name '_1000' (variables: amount, height, calls, units; functions: min, "
                               "max, clamp, bp, if)");
  CHECK(refusal("12amount") == "column 3: a number runs into a name (put an operator between them)");
  CHECK(refusal("Amount").starts_with("column 1: unknown name 'Amount'"));
  CHECK(refusal("fee(1)").starts_with("column 1: unknown name 'fee'"));
  CHECK(refusal("amount +") == "column 9: expected a number, a name or '(' but found the end");
  CHECK(refusal("(amount") == "column 8: expected ')' but found the end");
  CHECK(refusal("amount)") == "column 7: unexpected ')' after a complete expression");
  CHECK(refusal("amount 5") == "column 8: unexpected a number after a complete expression");
  CHECK(refusal("min") == "column 4: expected '(' but found the end");
  CHECK(refusal("min(1)") == "column 6: min() takes 2 arguments, got 1");
  CHECK(refusal("min(1, 2, 3)") == "column 9: min() takes 2 arguments, got more");
  CHECK(refusal("clamp(1, 2)") == "column 11: clamp() takes 3 arguments, got 2");
  CHECK(refusal("if(1 2, 3)") == "column 6: expected ',' but found a number");
  CHECK(refusal("min(, 1)") == "column 5: expected a number, a name or '(' but found ','");
  CHECK(refusal("1 < 2 < 3") == "column 7: comparisons do not chain: use parentheses or if()");
  CHECK(refusal("1 == 2 != 3") == "column 8: comparisons do not chain: use parentheses or if()");
  CHECK(refusal("()") == "column 2: expected a number, a name or '(' but found ')'");
  CHECK(refusal("-1") == "column 1: expected a number, a name or '(' but found an operator");
  CHECK(refusal("1.5") == "column 2: unexpected character '.'");
  CHECK(refusal("   ") == "column 4: expected a number, a name or '(' but found the end");
}

TEST_CASE("length: 256 bytes parse, 257 are refused before anything else") {
  // "1" followed by 127 " + 0"-like pieces would exceed 64 tokens: pad with spaces instead.
  const std::string body = "bp(amount, 250)";
  const std::string at_bound = body + std::string(256 - body.size(), ' ');
  REQUIRE(at_bound.size() == 256);
  CHECK(eval_ok(at_bound, {.amount = 400}) == 10);
  CHECK(parse_ok(at_bound).text() == at_bound);
  const auto over = at_bound + " ";
  CHECK(refusal(over) == "column 257: fee expression of 257 bytes, at most 256");
  // The length is checked first: 257 bytes of garbage are refused for their length.
  CHECK(refusal(std::string(257, '\x01')) == "column 257: fee expression of 257 bytes, at most 256");
  CHECK(refusal(std::string(100'000, '(')) == "column 257: fee expression of 100000 bytes, at most 256");
}

TEST_CASE("nesting: depth 16 parses, 17 is refused, for parentheses and calls alike") {
  const auto nested = [](int depth) { return std::string(depth, '(') + "7" + std::string(depth, ')'); };
  CHECK(eval_ok(nested(16)) == 7);
  CHECK(refusal(nested(17)) == "column 17: nesting deeper than 16");
  // A call's argument list is a level too: 15 parentheses around min(...) make 16.
  const auto around_call = [](int depth) { return std::string(depth, '(') + "min(7, 9)" + std::string(depth, ')'); };
  CHECK(eval_ok(around_call(15)) == 7);
  CHECK(refusal(around_call(16)) == "column 20: nesting deeper than 16");
  CHECK(refusal("min(1, " + nested(16) + ")") == "column 23: nesting deeper than 16");
}

TEST_CASE("size: 64 tokens parse, the 65th is refused (so at most 64 nodes)") {
  const auto ones = [](int k) {
    std::string text = "1";
    for (int i = 1; i < k; ++i) text += "+1";
    return text;  // 2k-1 tokens, 2k-1 nodes
  };
  CHECK(eval_ok(ones(32)) == 32);
  CHECK(parse_ok(ones(32)).nodes().size() == 63);
  // min( + 59 tokens + ,2): 64 tokens, 61 nodes.
  const auto sixty_four = "min(" + ones(30) + ",2)";
  CHECK(eval_ok(sixty_four) == 2);
  CHECK(parse_ok(sixty_four).nodes().size() == 61);
  CHECK(refusal("(" + ones(32) + ")") == "column 65: more than 64 tokens");
  // 33 ones and 32 '+' would be 65 nodes: refused at the 65th token.
  CHECK(refusal(ones(33)) == "column 65: more than 64 tokens");
  CHECK(refusal(sixty_four + "+1") == "column 67: more than 64 tokens");
}

namespace {

/// A random expression as a tree, printed with only the parentheses precedence needs (plus some
/// spare ones), and evaluated directly on the tree with 128-bit arithmetic: a second
/// implementation the parser's flat nodes and checked 64-bit operations are compared with.
struct tree {
  enum kind { leaf_literal, leaf_var, binary, call } k = leaf_literal;
  std::uint64_t value = 0;  // literal
  int var = 0;              // 0 amount, 1 height, 2 calls, 3 units
  std::string op;           // binary operator or function name
  std::vector<std::unique_ptr<tree>> kids;
};

int precedence(const std::string& op) {
  if (op == "*" || op == "/" || op == "%") return 3;
  if (op == "+" || op == "-") return 2;
  return 1;  // comparisons
}

class generator {
public:
  explicit generator(std::uint64_t seed) : rng_(seed) {}

  std::unique_ptr<tree> make(int budget) {
    auto t = std::make_unique<tree>();
    if (budget <= 1 || pick(4) == 0) {
      if (pick(2) == 0) {
        t->k = tree::leaf_var;
        t->var = static_cast<int>(pick(4));
      } else {
        t->k = tree::leaf_literal;
        t->value = literal();
      }
      return t;
    }
    static const char* binaries[] = {"+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!="};
    static const char* functions[] = {"min", "max", "clamp", "bp", "if"};
    if (pick(3) != 0) {
      t->k = tree::binary;
      t->op = binaries[pick(11)];
      const int left = 1 + static_cast<int>(pick(static_cast<std::uint64_t>(budget - 1)));
      t->kids.push_back(make(left));
      t->kids.push_back(make(budget - left));
    } else {
      t->k = tree::call;
      t->op = functions[pick(5)];
      const int arity = (t->op == "clamp" || t->op == "if") ? 3 : 2;
      for (int i = 0; i < arity; ++i) t->kids.push_back(make(std::max(1, (budget - 1) / arity)));
    }
    return t;
  }

  std::uint64_t literal() {
    switch (pick(6)) {
      case 0: return pick(3);
      case 1: return pick(20);
      case 2: return pick(20'000);
      case 3: return std::uint64_t{1} << pick(64);
      case 4: return u64_max - pick(3);
      default: return rng_() >> pick(64);
    }
  }

  fee_inputs inputs() { return {literal(), literal(), literal(), literal()}; }

  std::string print(const tree& t, int parent_prec = 0, bool right_side = false) {
    static const char* names[] = {"amount", "height", "calls", "units"};
    std::string s;
    switch (t.k) {
      case tree::leaf_literal: s = with_separators(t.value); break;
      case tree::leaf_var: s = names[t.var]; break;
      case tree::call:
        s = t.op + "(";
        for (std::size_t i = 0; i < t.kids.size(); ++i) s += (i ? "," + space() : "") + print(*t.kids[i]);
        s += ")";
        break;
      case tree::binary: {
        const int p = precedence(t.op);
        s = print(*t.kids[0], p, false) + space() + t.op + space() + print(*t.kids[1], p, true);
        // Left-associative levels need parentheses on the right at the same level; comparisons
        // do not chain, so they need them on both sides.
        const bool needs = parent_prec > p || (parent_prec == p && (right_side || p == 1));
        if (needs || (parent_prec > 0 && pick(8) == 0)) s = "(" + s + ")";
        break;
      }
    }
    return s;
  }

  std::uint64_t pick(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }

private:
  std::string space() { return pick(3) == 0 ? " " : ""; }
  std::string with_separators(std::uint64_t v) {
    auto digits = std::to_string(v);
    if (pick(4) != 0 || digits.size() < 4) return digits;
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += '_';
      out += digits[i];
    }
    return out;
  }

  std::mt19937_64 rng_;
};

using wide = unsigned __int128;

/// The reference: nullopt for any failure. Every intermediate is a 128-bit value checked
/// against 2^64-1 after the fact; subtraction compares first.
std::optional<std::uint64_t> reference(const tree& t, const fee_inputs& in) {
  if (t.k == tree::leaf_literal) return t.value;
  if (t.k == tree::leaf_var) {
    const std::uint64_t vars[] = {in.amount, in.height, in.calls, in.units};
    return vars[t.var];
  }
  if (t.op == "if") {
    auto c = reference(*t.kids[0], in);
    if (!c) return std::nullopt;
    return reference(*t.kids[*c ? 1 : 2], in);
  }
  std::vector<wide> v;
  for (const auto& kid : t.kids) {
    auto x = reference(*kid, in);
    if (!x) return std::nullopt;
    v.push_back(*x);
  }
  const auto& op = t.op;
  wide r = 0;
  if (op == "+") r = v[0] + v[1];
  else if (op == "-") { if (v[0] < v[1]) return std::nullopt; r = v[0] - v[1]; }
  else if (op == "*") r = v[0] * v[1];
  else if (op == "/") { if (v[1] == 0) return std::nullopt; r = v[0] / v[1]; }
  else if (op == "%") { if (v[1] == 0) return std::nullopt; r = v[0] % v[1]; }
  else if (op == "<") r = v[0] < v[1];
  else if (op == "<=") r = v[0] <= v[1];
  else if (op == ">") r = v[0] > v[1];
  else if (op == ">=") r = v[0] >= v[1];
  else if (op == "==") r = v[0] == v[1];
  else if (op == "!=") r = v[0] != v[1];
  else if (op == "min") r = std::min(v[0], v[1]);
  else if (op == "max") r = std::max(v[0], v[1]);
  else if (op == "bp") r = v[0] * v[1] / 10'000;
  else if (op == "clamp") { if (v[1] > v[2]) return std::nullopt; r = std::min(std::max(v[0], v[1]), v[2]); }
  if (r > u64_max) return std::nullopt;
  return static_cast<std::uint64_t>(r);
}

} // namespace

TEST_CASE("property: evaluate() agrees with a 128-bit tree evaluator on 10^4 random programs") {
  constexpr std::uint64_t seed = 0xfee5'eed;
  generator gen(seed);
  int programs = 0, evaluations = 0, values = 0, failures = 0, mismatches = 0, refused = 0;
  while (programs < 10'000) {
    const auto t = gen.make(1 + static_cast<int>(gen.pick(9)));
    const auto text = gen.print(*t);
    auto program = parse_fee_expression(text);
    if (!program) {  // a generated program is always within the bounds: a refusal is a bug
      ++refused;
      FAIL_CHECK(text << ": " << program.error().message());
      continue;
    }
    ++programs;
    for (int i = 0; i < 4; ++i) {
      const auto in = gen.inputs();
      const auto expected = reference(*t, in);
      const auto got = evaluate(*program, in);
      ++evaluations;
      if (got.has_value()) ++values; else ++failures;
      const bool same = expected ? (got.has_value() && *got == *expected)
                                 : (!got.has_value() && got.error().code == errc::fee_function_failed);
      if (!same) {
        ++mismatches;
        FAIL_CHECK(text << " on (" << in.amount << ", " << in.height << ", " << in.calls << ", " << in.units
                        << "): reference " << (expected ? std::to_string(*expected) : "failure") << ", evaluate "
                        << (got ? std::to_string(*got) : got.error().message()));
      }
    }
  }
  const auto counts = fmt::format("fee expression property test, seed {:#x}: {} programs, {} evaluations ({} values, "
                                  "{} failures), {} refused, {} mismatches",
                                  seed, programs, evaluations, values, failures, refused, mismatches);
  fmt::print("{}\n", counts);
  MESSAGE(counts);
  CHECK(mismatches == 0);
  CHECK(refused == 0);
  // The programs exercise both outcomes often enough to mean something.
  CHECK(values > evaluations / 10);
  CHECK(failures > evaluations / 20);
}
