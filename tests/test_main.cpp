// The one translation unit that holds CAF's unit-test engine and main().

// CAF's engine matches suite names with std::regex, whose libstdc++
// internals trip GCC 12's -Wmaybe-uninitialized under ASan: not our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "caf/test/unit_test_impl.hpp"
#pragma GCC diagnostic pop
