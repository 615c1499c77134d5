"""Call QA scoring: rubric, rules, emotion, voice checks and PII -> a scorecard with evidence."""
