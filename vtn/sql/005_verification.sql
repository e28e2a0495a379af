-- How load shed is verified for a program: the baseline method and its parameters (docs/verification.md).
CREATE TABLE program_verification (
    program_id  text PRIMARY KEY REFERENCES program (id),
    settings    jsonb NOT NULL,
    modified    timestamptz NOT NULL DEFAULT now()
);
