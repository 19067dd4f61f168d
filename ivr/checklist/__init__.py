"""The pre-call checklist: reasons for calling, the builder, its page, PDF and reminder."""
