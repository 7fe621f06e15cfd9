//! Log pipelines: line filters, parser stages (json, logfmt, regexp,
//! pattern, unpack, …), formatting stages and label filters.

use super::*;

impl Parser<'_> {
    pub(super) fn at_stage_start(&self) -> bool {
        matches!(
            self.tok(),
            Tok::Pipe
                | Tok::PipeExact
                | Tok::PipeMatch
                | Tok::PipePattern
                | Tok::Neq
                | Tok::Nre
                | Tok::NotPattern
        )
    }

    pub(super) fn pipeline(&mut self, allow_unwrap: bool) -> Result<Vec<Stage>, ParseError> {
        let mut stages = Vec::new();
        while self.at_stage_start() {
            stages.push(self.stage(allow_unwrap)?);
        }
        Ok(stages)
    }

    pub(super) fn stage(&mut self, allow_unwrap: bool) -> Result<Stage, ParseError> {
        let op = match self.tok() {
            Tok::PipeExact => Some(LineFilterOp::Contains),
            Tok::Neq => Some(LineFilterOp::NotContains),
            Tok::PipeMatch => Some(LineFilterOp::Match),
            Tok::Nre => Some(LineFilterOp::NotMatch),
            Tok::PipePattern => Some(LineFilterOp::Pattern),
            Tok::NotPattern => Some(LineFilterOp::NotPattern),
            _ => None,
        };
        if let Some(op) = op {
            return self.line_filter(op).map(Stage::LineFilter);
        }
        let pipe = self.expect(Tok::Pipe, "'|'")?.span;
        let start = pipe.start;
        let keyword = match self.tok() {
            Tok::Ident(s) => lower(s),
            Tok::LParen => String::new(),
            _ => return Err(self.err_expected(EXPECT_STAGE)),
        };
        match keyword.as_str() {
            "json" | "logfmt" | "regexp" | "pattern" | "unpack" => self.parser_stage(start),
            "line_format" => {
                self.bump();
                let template = self.string("a template string")?;
                let span = start..template.span.end;
                Ok(Stage::LineFormat { template, span })
            }
            "label_format" => {
                self.bump();
                let mut items = Vec::new();
                loop {
                    let target = self.label_name()?;
                    self.expect(Tok::Eq, "'='")?;
                    let value = match self.tok() {
                        Tok::Str(_) => {
                            LabelFormatValue::Template(self.string("a template string")?)
                        }
                        Tok::Ident(_) => LabelFormatValue::Rename(self.label_name()?),
                        _ => return Err(self.err_expected("a template string or a label name")),
                    };
                    let end = match &value {
                        LabelFormatValue::Template(s) => s.span.end,
                        LabelFormatValue::Rename(i) => i.span.end,
                    };
                    let span = target.span.start..end;
                    items.push(LabelFormatItem {
                        target,
                        value,
                        span,
                    });
                    if matches!(self.tok(), Tok::Comma) {
                        self.bump();
                    } else {
                        break;
                    }
                }
                Ok(Stage::LabelFormat {
                    items,
                    span: start..self.prev_end(),
                })
            }
            "keep" | "drop" => {
                self.bump();
                let mut labels = Vec::new();
                loop {
                    if !matches!(self.tok(), Tok::Ident(_)) {
                        return Err(self.err_expected("a label name"));
                    }
                    if matches!(self.nth(1), Tok::Eq | Tok::Neq | Tok::Re | Tok::Nre) {
                        labels.push(LabelSpec::Matcher(self.matcher()?));
                    } else {
                        labels.push(LabelSpec::Name(self.label_name()?));
                    }
                    if matches!(self.tok(), Tok::Comma) {
                        self.bump();
                    } else {
                        break;
                    }
                }
                let span = start..self.prev_end();
                Ok(if keyword == "keep" {
                    Stage::Keep { labels, span }
                } else {
                    Stage::Drop { labels, span }
                })
            }
            "decolorize" => {
                let end = self.bump().span.end;
                Ok(Stage::Decolorize { span: start..end })
            }
            "unwrap" => {
                let kw = self.bump().span;
                if !allow_unwrap {
                    return Err(self.err_at(
                        "unwrap is only allowed inside a range aggregation such as sum_over_time(... | unwrap x [5m])",
                        kw,
                    ));
                }
                let first = self.label_name()?;
                let conv = UNWRAP_CONVERSIONS.contains(&lower(&first.name).as_str());
                if conv && matches!(self.tok(), Tok::LParen) {
                    self.bump();
                    let label = self.label_name()?;
                    let end = self.expect(Tok::RParen, "')'")?.span.end;
                    Ok(Stage::Unwrap(Unwrap {
                        label,
                        conversion: Some(first),
                        span: start..end,
                    }))
                } else {
                    let end = first.span.end;
                    Ok(Stage::Unwrap(Unwrap {
                        label: first,
                        conversion: None,
                        span: start..end,
                    }))
                }
            }
            _ => {
                let saved = self.depth;
                let filter = self.label_filter_or()?;
                self.depth = saved;
                let span = start..filter.span().end;
                Ok(Stage::LabelFilter { filter, span })
            }
        }
    }

    fn line_filter(&mut self, op: LineFilterOp) -> Result<LineFilter, ParseError> {
        let op_span = self.bump().span;
        let mut values = vec![self.filter_value()?];
        while self.is_kw(0, "or")
            && (matches!(self.nth(1), Tok::Str(_))
                || (self.is_kw(1, "ip") && matches!(self.nth(2), Tok::LParen)))
        {
            self.bump();
            values.push(self.filter_value()?);
        }
        if matches!(op, LineFilterOp::Match | LineFilterOp::NotMatch) {
            for v in &values {
                if let FilterValue::String(lit) = v {
                    self.check_regex(&lit.value, &lit.span)?;
                }
            }
        }
        let end = values.last().map_or(op_span.end, |v| v.span().end);
        Ok(LineFilter {
            op,
            span: op_span.start..end,
            op_span,
            values,
        })
    }

    fn filter_value(&mut self) -> Result<FilterValue, ParseError> {
        match self.tok() {
            Tok::Str(_) => Ok(FilterValue::String(self.string("a string")?)),
            Tok::Ident(s) if s.eq_ignore_ascii_case("ip") && matches!(self.nth(1), Tok::LParen) => {
                let (value, span) = self.ip_call()?;
                Ok(FilterValue::Ip { value, span })
            }
            _ => Err(self.err_expected("a quoted string or ip(\"...\")")),
        }
    }

    /// `ip("...")`; the current token is `ip`.
    fn ip_call(&mut self) -> Result<(StringLit, Span), ParseError> {
        let start = self.bump().span.start;
        self.expect(Tok::LParen, "'('")?;
        let value = self.string("an IP address, range or CIDR as a string")?;
        let end = self.expect(Tok::RParen, "')'")?.span.end;
        Ok((value, start..end))
    }

    fn parser_stage(&mut self, start: usize) -> Result<Stage, ParseError> {
        let keyword = self.ident("a parser")?;
        let kind = match lower(&keyword.name).as_str() {
            "json" => ParserKind::Json,
            "logfmt" => ParserKind::Logfmt,
            "regexp" => ParserKind::Regexp,
            "pattern" => ParserKind::Pattern,
            _ => ParserKind::Unpack,
        };
        let mut flags = Vec::new();
        let mut params = Vec::new();
        let mut expression = None;
        let mut captures = Vec::new();
        match kind {
            ParserKind::Json | ParserKind::Logfmt => {
                while let Tok::Flag(f) = self.tok() {
                    let f = f.clone();
                    let span = self.span();
                    if kind != ParserKind::Logfmt {
                        return Err(self.err_at("json takes no flags", span));
                    }
                    if f != "--strict" && f != "--keep-empty" {
                        return Err(self.err_at(
                            &format!(
                                "unknown logfmt flag '{f}' (expected --strict or --keep-empty)"
                            ),
                            span,
                        ));
                    }
                    self.bump();
                    flags.push(Ident { name: f, span });
                }
                if matches!(self.tok(), Tok::Ident(_)) {
                    loop {
                        let name = self.label_name()?;
                        let mut expr = None;
                        if matches!(self.tok(), Tok::Eq) {
                            self.bump();
                            expr = Some(self.string("a quoted expression such as \"a.b\"")?);
                        }
                        let end = expr.as_ref().map_or(name.span.end, |e| e.span.end);
                        let span = name.span.start..end;
                        params.push(LabelExtraction {
                            name,
                            expression: expr,
                            span,
                        });
                        if matches!(self.tok(), Tok::Comma) {
                            self.bump();
                        } else {
                            break;
                        }
                    }
                }
            }
            ParserKind::Regexp | ParserKind::Pattern => {
                let what = if kind == ParserKind::Regexp {
                    "a regular expression string"
                } else {
                    "a pattern string"
                };
                let lit = self.string(what)?;
                let names = if kind == ParserKind::Regexp {
                    regexp_group_names(&lit.value)
                } else {
                    pattern_capture_names(&lit.value)
                };
                captures = self.locate_names(&lit, &names);
                expression = Some(lit);
            }
            ParserKind::Unpack => {}
        }
        Ok(Stage::Parser(ParserStage {
            kind,
            keyword,
            flags,
            params,
            expression,
            captures,
            span: start..self.prev_end(),
        }))
    }

    /// The value of a string literal as a name; the span is the text between
    /// the quotes when it is written without escapes, else the whole literal.
    pub(super) fn string_as_ident(&self, lit: &StringLit) -> Ident {
        let inner = lit.span.start + 1..lit.span.end.saturating_sub(1);
        let raw = self.src.get(inner.clone()).unwrap_or("");
        let span = if raw == lit.value {
            inner
        } else {
            lit.span.clone()
        };
        Ident {
            name: lit.value.clone(),
            span,
        }
    }

    /// Spans for names found inside a string literal: the exact name when it
    /// can be found in the source text between the quotes, else the literal.
    fn locate_names(&self, lit: &StringLit, names: &[String]) -> Vec<Ident> {
        let inner_start = lit.span.start + 1;
        let raw = self
            .src
            .get(inner_start..lit.span.end.saturating_sub(1))
            .unwrap_or("");
        let mut cursor = 0usize;
        let mut out = Vec::new();
        for name in names {
            let found = raw.get(cursor..).and_then(|rest| {
                let mut from = 0;
                while let Some(i) = rest.get(from..).and_then(|r| r.find(name.as_str())) {
                    let at = from + i;
                    let before = rest.get(..at).and_then(|b| b.chars().last());
                    let after = rest.get(at + name.len()..).and_then(|a| a.chars().next());
                    if before == Some('<') && after == Some('>') {
                        return Some(cursor + at);
                    }
                    from = at + name.len().max(1);
                }
                None
            });
            let span = match found {
                Some(off) => {
                    cursor = off + name.len();
                    inner_start + off..inner_start + off + name.len()
                }
                None => lit.span.clone(),
            };
            out.push(Ident {
                name: name.clone(),
                span,
            });
        }
        out
    }

    // ----- label filters ------------------------------------------------

    fn label_filter_or(&mut self) -> Result<LabelFilter, ParseError> {
        self.enter()?;
        let mut lhs = self.label_filter_and()?;
        while self.is_kw(0, "or") {
            self.enter()?;
            self.bump();
            let rhs = self.label_filter_and()?;
            lhs = binary_filter(lhs, rhs, false);
        }
        Ok(lhs)
    }

    fn label_filter_and(&mut self) -> Result<LabelFilter, ParseError> {
        let mut lhs = self.label_filter_primary()?;
        loop {
            let explicit = self.is_kw(0, "and") || matches!(self.tok(), Tok::Comma);
            // `a="x" b="y"`: whitespace also means `and`.
            let implicit = matches!(self.tok(), Tok::LParen)
                || (matches!(self.tok(), Tok::Ident(s) if !is_filter_keyword(s))
                    && is_filter_operator(self.nth(1)));
            if !explicit && !implicit {
                break;
            }
            self.enter()?;
            if explicit {
                self.bump();
            }
            let rhs = self.label_filter_primary()?;
            lhs = binary_filter(lhs, rhs, true);
        }
        Ok(lhs)
    }

    fn label_filter_primary(&mut self) -> Result<LabelFilter, ParseError> {
        if matches!(self.tok(), Tok::LParen) {
            let saved = self.depth;
            self.enter()?;
            let start = self.bump().span.start;
            let inner = self.label_filter_or()?;
            let end = self.expect(Tok::RParen, "')'")?.span.end;
            self.depth = saved;
            return Ok(LabelFilter::Paren {
                inner: Box::new(inner),
                span: start..end,
            });
        }
        if !matches!(self.tok(), Tok::Ident(_)) {
            return Err(self.err_expected("a label filter such as level=\"error\""));
        }
        let name = self.label_name()?;
        let (op_tok, op_span) = {
            let t = self.token();
            (t.tok.clone(), t.span.clone())
        };
        let op_text = op_tok.punct();
        if !is_filter_operator(&op_tok) {
            return Err(
                self.err_expected("a comparison operator (=, !=, =~, !~, ==, >, >=, <, <=)")
            );
        }
        self.bump();
        let start = name.span.start;
        match self.tok().clone() {
            Tok::Str(value) => {
                let op = match op_tok {
                    Tok::Eq => MatchOp::Eq,
                    Tok::Neq => MatchOp::Neq,
                    Tok::Re => MatchOp::Re,
                    Tok::Nre => MatchOp::Nre,
                    _ => {
                        return Err(self.err_at(
                            &format!(
                            "'{op_text}' compares numbers, durations or byte sizes, not strings"
                        ),
                            op_span,
                        ))
                    }
                };
                let value_span = self.bump().span;
                if matches!(op, MatchOp::Re | MatchOp::Nre) {
                    self.check_regex(&value, &value_span)?;
                }
                Ok(LabelFilter::Matcher(Matcher {
                    span: start..value_span.end,
                    name,
                    op,
                    value,
                    value_span,
                }))
            }
            Tok::Ident(s) if s.eq_ignore_ascii_case("ip") && matches!(self.nth(1), Tok::LParen) => {
                let op = match op_tok {
                    Tok::Eq => MatchOp::Eq,
                    Tok::Neq => MatchOp::Neq,
                    _ => {
                        return Err(self.err_at(
                            &format!("ip(...) filters use '=' or '!=', not '{op_text}'"),
                            op_span,
                        ))
                    }
                };
                let (value, ip_span) = self.ip_call()?;
                Ok(LabelFilter::Ip {
                    span: start..ip_span.end,
                    name,
                    op,
                    value,
                })
            }
            Tok::Number(_) | Tok::Duration(_) | Tok::Bytes(_) | Tok::Plus | Tok::Minus => {
                let op = match op_tok {
                    Tok::Eq => CmpOp::Eq,
                    Tok::EqEq => CmpOp::EqEq,
                    Tok::Neq => CmpOp::Neq,
                    Tok::Gt => CmpOp::Gt,
                    Tok::Gte => CmpOp::Gte,
                    Tok::Lt => CmpOp::Lt,
                    Tok::Lte => CmpOp::Lte,
                    _ => {
                        return Err(self.err_at(
                            &format!("'{op_text}' needs a quoted regular expression"),
                            op_span,
                        ))
                    }
                };
                let (value, value_span) = match *self.tok() {
                    Tok::Duration(_) => {
                        let (secs, span) = self.signed_duration("a duration")?;
                        (FilterLiteral::Duration(secs), span)
                    }
                    Tok::Minus if matches!(self.nth(1), Tok::Duration(_)) => {
                        let (secs, span) = self.signed_duration("a duration")?;
                        (FilterLiteral::Duration(secs), span)
                    }
                    Tok::Bytes(b) => (FilterLiteral::Bytes(b), self.bump().span),
                    _ => {
                        let n = self.signed_number(EXPECT_FILTER_VALUE)?;
                        (FilterLiteral::Number(n.value), n.span)
                    }
                };
                Ok(LabelFilter::Compare {
                    span: start..value_span.end,
                    name,
                    op,
                    value,
                    value_span,
                })
            }
            _ => Err(self.err_expected(EXPECT_FILTER_VALUE)),
        }
    }
}

/// Keywords that never start an implicitly `and`-ed label filter.
fn is_filter_keyword(s: &str) -> bool {
    [
        "and", "or", "unless", "by", "without", "offset", "bool", "on", "ignoring",
    ]
    .iter()
    .any(|k| s.eq_ignore_ascii_case(k))
}

/// Names of the named groups `(?P<name>...)` and `(?<name>...)` of a regular expression.
fn regexp_group_names(re: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = re.char_indices().peekable();
    let mut in_class = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => {
                let rest = re.get(i + 1..).unwrap_or("");
                let after = rest.strip_prefix("?P<").or_else(|| {
                    rest.strip_prefix("?<")
                        .filter(|r| !r.starts_with(['=', '!']))
                });
                if let Some(after) = after {
                    let name: String = after
                        .chars()
                        .enumerate()
                        .take_while(|&(k, ch)| is_label_char(ch, k == 0))
                        .map(|(_, ch)| ch)
                        .collect();
                    if !name.is_empty()
                        && after.get(name.len()..).is_some_and(|r| r.starts_with('>'))
                    {
                        out.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Names of the captures `<name>` of a pattern expression (`<_>` excluded).
fn pattern_capture_names(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(i) = rest.find('<') {
        let after = rest.get(i + 1..).unwrap_or("");
        let name: String = after
            .chars()
            .enumerate()
            .take_while(|&(k, ch)| is_label_char(ch, k == 0))
            .map(|(_, ch)| ch)
            .collect();
        if !name.is_empty() && after.get(name.len()..).is_some_and(|r| r.starts_with('>')) {
            if name != "_" {
                out.push(name.clone());
            }
            rest = after.get(name.len() + 1..).unwrap_or("");
        } else {
            rest = after;
        }
    }
    out
}

/// The operators of a label filter: `=`, `!=`, `=~`, `!~`, `==`, `>`, `>=`,
/// `<`, `<=`.
fn is_filter_operator(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Eq
            | Tok::Neq
            | Tok::Re
            | Tok::Nre
            | Tok::EqEq
            | Tok::Gt
            | Tok::Gte
            | Tok::Lt
            | Tok::Lte
    )
}

/// `lhs and rhs` (`and`) or `lhs or rhs`, spanning both.
fn binary_filter(lhs: LabelFilter, rhs: LabelFilter, and: bool) -> LabelFilter {
    let span = join(&lhs.span(), &rhs.span());
    let (lhs, rhs) = (Box::new(lhs), Box::new(rhs));
    if and {
        LabelFilter::And { lhs, rhs, span }
    } else {
        LabelFilter::Or { lhs, rhs, span }
    }
}
