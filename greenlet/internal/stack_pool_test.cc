#include "gevent/greenlet/internal/stack_pool.h"
#include <gtest/gtest.h>
TEST(StackPool, Smoke) {}
