"""The project: every module under the project root, what each imports,
and which of its functions the project's handlers reach (SPEC Core 7)."""
