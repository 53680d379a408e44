"""The course widgets: TaskRunner, AttentionView, HiddenStateView, ModelComparison."""
