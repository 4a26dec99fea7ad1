// Keeps logstack_testutil non-empty before any helper exists.
