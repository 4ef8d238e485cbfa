"""Operations that change data: each flushes in the request's single transaction, with its audit entry."""
