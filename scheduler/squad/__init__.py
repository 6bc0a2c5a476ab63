"""A coach's squad week: group sessions placed once for everyone, each runner's own week
fitted around them (see `scheduler.squad.model`)."""
