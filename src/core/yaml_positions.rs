//! Where each node of a YAML document starts, by path (`questions[3].hint`).
//!
//! serde_yaml locates syntax errors but forgets positions once a document parses, while
//! the bank's semantic errors (a duplicate id, an unknown category) must still point at
//! the offending entry. A second, event-level pass with yaml-rust2 records the position
//! of every key and value so those errors can be located too.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub const START: Location = Location { line: 1, column: 1 };
    /// A problem of the whole file (it is missing, unreadable): no line to point at.
    pub const WHOLE_FILE: Location = Location { line: 0, column: 0 };
}

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path from the document root, e.g. `questions[3].hint`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodePath(Vec<Segment>);

impl NodePath {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn key(&self, key: &str) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_owned()));
        path
    }

    pub fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }
}

impl fmt::Display for NodePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Positions of the values and keys of one YAML document.
#[derive(Debug, Default)]
pub struct Positions {
    values: HashMap<NodePath, Location>,
    keys: HashMap<NodePath, Location>,
}

impl Positions {
    /// Indexes `text`. A document yaml-rust2 cannot read yields the positions it saw
    /// before the failure; lookups then fall back to the nearest located ancestor.
    pub fn index(text: &str) -> Self {
        let mut recorder = Recorder::default();
        let mut parser = Parser::new_from_str(text);
        // Only the first document matters: the bank is a single document.
        let _ = parser.load(&mut recorder, false);
        recorder.positions
    }

    /// Where the value at `path` starts, or its nearest located ancestor.
    pub fn value(&self, path: &NodePath) -> Location {
        let mut path = path.clone();
        loop {
            if let Some(location) = self.values.get(&path) {
                return *location;
            }
            if path.0.pop().is_none() {
                return Location::START;
            }
        }
    }

    /// Where the key naming the value at `path` starts (falls back to the value).
    pub fn key(&self, path: &NodePath) -> Location {
        self.keys
            .get(path)
            .copied()
            .unwrap_or_else(|| self.value(path))
    }
}

enum Container {
    Mapping {
        next_is_key: bool,
        key: String,
        seen_key: bool,
    },
    Sequence {
        next_index: usize,
    },
}

#[derive(Default)]
struct Recorder {
    positions: Positions,
    stack: Vec<(NodePath, Container)>,
    done: bool,
}

impl Recorder {
    /// Records a node that starts at `mark`; returns its path when it is a value.
    fn node(&mut self, mark: Marker, key_text: Option<&str>) -> Option<NodePath> {
        let location = Location {
            line: mark.line(),
            column: mark.col() + 1,
        };
        let Some((parent, container)) = self.stack.last_mut() else {
            self.positions.values.insert(NodePath::root(), location);
            return Some(NodePath::root());
        };
        match container {
            Container::Mapping {
                next_is_key,
                key,
                seen_key,
            } => {
                if *next_is_key {
                    *next_is_key = false;
                    if !*seen_key {
                        // yaml-rust2 marks a block mapping at its first `:`; the
                        // first key is where a reader sees the entry start.
                        *seen_key = true;
                        self.positions.values.insert(parent.clone(), location);
                    }
                    *key = key_text.unwrap_or("?").to_owned();
                    let path = parent.key(key);
                    self.positions.keys.insert(path, location);
                    None
                } else {
                    *next_is_key = true;
                    let path = parent.key(key);
                    self.positions.values.insert(path.clone(), location);
                    Some(path)
                }
            }
            Container::Sequence { next_index } => {
                let path = parent.index(*next_index);
                *next_index += 1;
                self.positions.values.insert(path.clone(), location);
                Some(path)
            }
        }
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.done {
            return;
        }
        match event {
            Event::Scalar(text, ..) => {
                self.node(mark, Some(&text));
            }
            Event::Alias(_) => {
                self.node(mark, None);
            }
            Event::MappingStart(..) => {
                let path = self.node(mark, None).unwrap_or_default();
                self.stack.push((
                    path,
                    Container::Mapping {
                        next_is_key: true,
                        key: String::new(),
                        seen_key: false,
                    },
                ));
            }
            Event::SequenceStart(..) => {
                let path = self.node(mark, None).unwrap_or_default();
                self.stack
                    .push((path, Container::Sequence { next_index: 0 }));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_values_and_keys_in_nested_documents() {
        let text = "title: x\nquestions:\n  - id: a\n    hint: h\n  - id: b\n";
        let positions = Positions::index(text);
        let second = NodePath::root().key("questions").index(1);
        assert_eq!(positions.value(&second), Location { line: 5, column: 5 });
        assert_eq!(
            positions.value(&NodePath::root().key("questions").index(0).key("hint")),
            Location {
                line: 4,
                column: 11
            }
        );
        assert_eq!(
            positions.key(&NodePath::root().key("questions").index(0).key("hint")),
            Location { line: 4, column: 5 }
        );
    }

    #[test]
    fn an_unknown_path_falls_back_to_its_nearest_ancestor() {
        let text = "questions:\n  - id: a\n";
        let positions = Positions::index(text);
        let missing = NodePath::root().key("questions").index(0).key("hint");
        assert_eq!(positions.value(&missing), Location { line: 2, column: 5 });
    }

    #[test]
    fn paths_display_like_the_yaml_they_name() {
        let path = NodePath::root().key("questions").index(2).key("id");
        assert_eq!(path.to_string(), "questions[2].id");
    }
}
