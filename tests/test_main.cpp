// The one translation unit that holds CAF's unit-test engine and main().
#define CAF_TEST_UNIT_TEST_IMPL
#include "caf/test/unit_test_impl.hpp"
