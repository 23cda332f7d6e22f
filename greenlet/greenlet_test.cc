#include "gevent/greenlet/greenlet.h"
#include <gtest/gtest.h>
TEST(Greenlet, Smoke) {
  int n = 0;
  gevent::Greenlet g([&] { n = 1; });
  g.switch_to();
  EXPECT_EQ(n, 1);
  EXPECT_TRUE(g.dead());
}
