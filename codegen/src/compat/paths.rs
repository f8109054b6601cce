//! Paths compared by their shape: the same URL whatever the parameters are called.

/// A path with its parameters' names left out: `/pets/{}`. Two operations whose paths read the
/// same this way send the same requests.
pub(super) fn path_shape(path: &str) -> String {
    let mut shape = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                shape.push('{');
            }
            '}' => {
                inside = false;
                shape.push('}');
            }
            _ if inside => {}
            _ => shape.push(c),
        }
    }
    shape
}
