#pragma once

// Decimal: an exact decimal number (sign, digits, power of ten), the
// arithmetic sprig's addf/subf/mulf/divf do through shopspring/decimal:
// sums and products are exact, quotients are rounded half away from zero to
// 16 decimal places, and the result is read back as the nearest float64.
// That is why `mulf 128.06 1.2` prints 153.672 and not 153.67199999999997.
//
// Thread safety: a value type; not synchronised.

#include <cstdint>
#include <string>

#include "common/status.h"

namespace logstack::logstore::tmpl {

class Decimal {
 public:
  enum class Op { kAdd, kSub, kMul, kDiv };

  Decimal() = default;  // zero

  // decimal.NewFromFloat: the shortest decimal that reads back as `f`.
  // Fails for NaN and infinities, as the library does.
  static Status FromDouble(double f, Decimal* out);

  // *this = *this op other. Fails on division by zero.
  Status Apply(Op op, const Decimal& other);

  // The nearest float64.
  double ToDouble() const;

 private:
  bool neg_ = false;
  std::string digits_;  // magnitude in decimal, no leading zeros; empty for zero
  int64_t exp_ = 0;     // value = digits_ * 10^exp_
};

}  // namespace logstack::logstore::tmpl
