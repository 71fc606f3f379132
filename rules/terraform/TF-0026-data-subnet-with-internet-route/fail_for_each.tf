# Associations per subnet instance: for_each over the subnets themselves.
resource "aws_subnet" "data" {
  for_each   = { a = "10.0.20.0/24", b = "10.0.21.0/24" }
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value
}

resource "aws_db_subnet_group" "orders" {
  name       = "orders"
  subnet_ids = [for s in aws_subnet.data : s.id]
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id # expect: TF-0026
  }
}

resource "aws_route_table_association" "data" {
  for_each       = aws_subnet.data
  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}
